// The alert rules' semantics on in-memory ports: which change raises what, once; waiting
// limits and delivery retries through the timer sweep. (The DynamoDB store, the stream and
// real channels are covered by test/integration/status-events-alerts.test.ts.)
import { describe, expect, it } from 'vitest';
import {
  type AlertDeps,
  alertOnStatusChange,
  MAX_DELIVERY_ATTEMPTS,
  sweepAlertTimers,
} from '#shared/engine/alerts.ts';
import type { Alert, AlertTimer } from '#shared/model/alert.ts';
import type { Instance, InstanceStatus } from '#shared/model/instance.ts';
import { parseWorkflowDefinition } from '#shared/model/workflow.ts';
import type { AlertStore } from '#shared/ports/alert-store.ts';
import type { StoredWorkflow } from '#shared/ports/store.ts';
import { runningInstance } from '../../support/instances.ts';

function memoryAlertStore(): AlertStore & { alerts: Map<string, Alert>; timers: Map<string, AlertTimer> } {
  const alerts = new Map<string, Alert>();
  const timers = new Map<string, AlertTimer>();
  return {
    alerts,
    timers,
    async createAlert(alert, timer) {
      if (alerts.has(alert.id)) return false;
      alerts.set(alert.id, structuredClone(alert));
      timers.set(timer.id, timer);
      return true;
    },
    async getAlert(id) {
      return structuredClone(alerts.get(id));
    },
    async updateAlertDelivery(id, patch) {
      const alert = alerts.get(id);
      if (alert) alerts.set(id, { ...alert, ...structuredClone(patch) });
    },
    async listAlerts() {
      return { items: [...alerts.values()] };
    },
    async putTimer(timer) {
      timers.set(timer.id, timer);
    },
    async listDueTimers(now) {
      return [...timers.values()]
        .filter((t) => t.dueAt <= now)
        .sort((a, b) => a.dueAt.localeCompare(b.dueAt));
    },
    async deleteTimer(timer) {
      if (timers.get(timer.id)?.dueAt === timer.dueAt) timers.delete(timer.id);
    },
    async cancelTimer(id) {
      timers.delete(id);
    },
  };
}

const definition = parseWorkflowDefinition({
  id: 'wf',
  name: 'wf',
  tasks: [
    { id: 'load', type: 'noop', retry: { maxRetries: 3, intervalSeconds: 1 } },
    { id: 'other', type: 'noop' },
  ],
  alerts: [
    {
      id: 'load-failed',
      on: 'FAILED',
      tasks: ['load'],
      channels: [{ type: 'webhook', url: 'https://hooks.example.com/a' }],
    },
    { id: 'second-retry', on: 'RETRY', retry: 2, channels: [{ type: 'sns' }] },
    {
      id: 'stuck',
      on: 'WAITING',
      waiting: { status: 'WAITING_EVENT', longerThan: '30m' },
      channels: [{ type: 'sns' }],
    },
  ],
});

function setup(options: { failSends?: number } = {}) {
  let now = new Date('2026-01-01T00:00:00.000Z');
  const instances = new Map<string, Instance>();
  const sent: { rule: string; channel: string }[] = [];
  let failures = options.failSends ?? 0;
  const alerts = memoryAlertStore();
  const deps: AlertDeps = {
    store: {
      getWorkflowVersion: async () => ({ definition, version: 1 }) as StoredWorkflow,
      getRun: async () => undefined,
      getInstance: async (id) => instances.get(id),
      getInstances: async (ids) => ids.flatMap((id) => instances.get(id) ?? []),
    },
    alerts,
    sender: {
      async send(channel, alert) {
        if (failures > 0) {
          failures--;
          throw new Error('503 from the webhook');
        }
        sent.push({ rule: alert.ruleId, channel: channel.type });
      },
    },
    clock: { now: () => now },
    settings: { linkBaseUrl: 'https://rondo.example.com/' },
  };
  const change = (
    taskId: string,
    status: InstanceStatus,
    extra: Partial<Instance> = {},
    previous: InstanceStatus = 'RUNNING',
  ) => {
    const instance: Instance = {
      ...runningInstance(`run-1.${taskId}`, taskId, 'noop'),
      status,
      transitions: [{ status, at: now.toISOString() }],
      ...extra,
    };
    instances.set(instance.id, instance);
    return alertOnStatusChange(deps, {
      kind: 'instance',
      changeId: `c-${Math.random()}`,
      previous,
      instance,
    });
  };
  const advance = (seconds: number) => {
    now = new Date(now.getTime() + seconds * 1000);
  };
  return { deps, alerts, sent, change, advance, instances };
}

describe('alert rules', () => {
  it('raise once per instance and rule, only for the tasks they name, and link to the instance', async () => {
    const { alerts, sent, change } = setup();
    await change('load', 'FAILED', { error: { code: 'HTTP_503', message: 'the warehouse said no' } });
    await change('load', 'FAILED');
    await change('other', 'FAILED');
    expect(sent).toEqual([{ rule: 'load-failed', channel: 'webhook' }]);
    const [alert] = [...alerts.alerts.values()];
    expect(alert).toMatchObject({
      id: 'run-1.load~load-failed',
      delivery: 'DELIVERED',
      link: 'https://rondo.example.com/v1/instances/run-1.load',
      title: 'Rondo: wf task load failed',
    });
    expect(alert?.message).toContain('Error: HTTP_503: the warehouse said no');
    expect(alerts.timers.size).toBe(0);
  });

  it('fires RETRY on the Nth retry only (entering RETRYING with N - 1 retries made)', async () => {
    const { sent, change } = setup();
    await change('load', 'RETRYING', { retries: 0 });
    expect(sent).toEqual([]);
    await change('load', 'RETRYING', { retries: 1 });
    await change('load', 'RETRYING', { retries: 2 });
    expect(sent).toEqual([{ rule: 'second-retry', channel: 'sns' }]);
  });

  it('arms a waiting limit that fires only if the instance is still waiting since the same moment', async () => {
    const { deps, sent, change, advance, instances } = setup();
    await change('load', 'WAITING_EVENT');
    await change('other', 'WAITING_EVENT');
    advance(20 * 60);
    expect((await sweepAlertTimers(deps, { limit: 10 })).examined).toBe(0);
    // `other` moved on meanwhile; `load` still waits.
    const other = instances.get('run-1.other') as Instance;
    instances.set(other.id, {
      ...other,
      status: 'WAITING_UPSTREAM',
      transitions: [...other.transitions, { status: 'WAITING_UPSTREAM', at: 'later' }],
    });
    advance(11 * 60);
    expect(await sweepAlertTimers(deps, { limit: 10 })).toMatchObject({ examined: 2, raised: 1 });
    expect(sent).toEqual([{ rule: 'stuck', channel: 'sns' }]);
    expect((await sweepAlertTimers(deps, { limit: 10 })).examined).toBe(0);
  });

  it('drops the waiting limit of an instance seen leaving the status', async () => {
    const { deps, alerts, sent, change, advance } = setup();
    await change('load', 'WAITING_EVENT');
    expect([...alerts.timers.keys()]).toEqual(['run-1.load~stuck~waiting']);
    await change('load', 'WAITING_UPSTREAM', {}, 'WAITING_EVENT');
    expect(alerts.timers.size).toBe(0);
    advance(3600);
    expect((await sweepAlertTimers(deps, { limit: 10 })).examined).toBe(0);
    expect(sent).toEqual([]);
  });

  it('tries a failed delivery again with backoff, then gives it up as FAILED with the last error', async () => {
    const { deps, alerts, sent, change, advance } = setup({ failSends: 100 });
    await change('load', 'FAILED');
    const id = 'run-1.load~load-failed';
    expect(alerts.alerts.get(id)).toMatchObject({
      delivery: 'PENDING',
      channels: [{ attempts: 1, status: 'PENDING' }],
    });
    const waits: number[] = [];
    for (let i = 0; i < MAX_DELIVERY_ATTEMPTS + 2; i++) {
      const timer = alerts.timers.get(`${id}~delivery`);
      if (!timer) break;
      waits.push((Date.parse(timer.dueAt) - Date.parse(deps.clock.now().toISOString())) / 1000);
      advance(waits.at(-1) ?? 0);
      await sweepAlertTimers(deps, { limit: 10 });
    }
    expect(waits).toEqual([60, 120, 240, 480]);
    expect(alerts.alerts.get(id)).toMatchObject({
      delivery: 'FAILED',
      channels: [{ status: 'FAILED', attempts: MAX_DELIVERY_ATTEMPTS, lastError: '503 from the webhook' }],
    });
    expect(sent).toEqual([]);
    expect(alerts.timers.size).toBe(0);
  });
});

describe('alert rule validation', () => {
  it('names the field a condition needs or must not have, unknown tasks and repeated ids', () => {
    expect(() =>
      parseWorkflowDefinition({
        id: 'wf',
        name: 'wf',
        tasks: [{ id: 'a', type: 'noop' }],
        alerts: [
          { id: 'late', on: 'DEADLINE', channels: [{ type: 'sns' }] },
          { id: 'x', on: 'FAILED', retry: 2, channels: [{ type: 'webhook', url: 'ftp://nope' }] },
        ],
      }),
    ).toThrow(
      expect.objectContaining({
        details: expect.arrayContaining([
          expect.objectContaining({
            path: 'alerts[0].deadline',
            message: 'an alert on DEADLINE says its deadline',
          }),
          expect.objectContaining({ path: 'alerts[1].retry', message: 'only an alert on RETRY has a retry' }),
          expect.objectContaining({ path: 'alerts[1].channels[0].url' }),
        ]),
      }),
    );
    expect(() =>
      parseWorkflowDefinition({
        id: 'wf',
        name: 'wf',
        tasks: [{ id: 'a', type: 'noop' }],
        alerts: [
          { id: 'same', on: 'FAILED', tasks: ['ghost'], channels: [{ type: 'sns' }] },
          { id: 'same', on: 'TERMINATED', channels: [{ type: 'sns' }] },
        ],
      }),
    ).toThrow(
      expect.objectContaining({
        details: [
          { path: 'alerts[0].tasks[0]', code: 'UNKNOWN_TASK', message: "no task 'ghost'" },
          { path: 'alerts[1].id', code: 'DUPLICATE_ALERT_ID', message: "alert id 'same' is used twice" },
        ],
      }),
    );
  });
});
