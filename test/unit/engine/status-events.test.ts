// Which status changes become events at each level of the `statusEvents` setting.
import { describe, expect, it } from 'vitest';
import { loadEngineConfig } from '#functions/commons/config.ts';
import type { AlertDeps } from '#shared/engine/alerts.ts';
import { handleStatusChanges, STATUS_DETAIL_TYPES } from '#shared/engine/status-events.ts';
import type { InstanceStatus } from '#shared/model/instance.ts';
import type { Run } from '#shared/model/run.ts';
import type { StatusChange, StatusEventLevel } from '#shared/model/status-change.ts';
import type { BusEntry, EventBus } from '#shared/ports/event-bus.ts';
import { runningInstance } from '../../support/instances.ts';

/** A bus that keeps what it is given (the port; the publisher is what is tested). */
function recordingBus(): EventBus & { entries: BusEntry[] } {
  const entries: BusEntry[] = [];
  return {
    entries,
    async putMany(batch) {
      entries.push(...batch);
    },
  } as EventBus & { entries: BusEntry[] };
}

const instanceChange = (status: InstanceStatus, previous?: InstanceStatus): StatusChange => ({
  kind: 'instance',
  changeId: `c-${status}`,
  ...(previous ? { previous } : {}),
  instance: { ...runningInstance('wf.20260101T0000Z.a', 'a', 'noop'), status },
});

const runChange = (status: Run['status']): StatusChange => ({
  kind: 'run',
  changeId: `r-${status}`,
  run: { id: 'wf.20260101T0000Z', workflowId: 'wf', workflowVersion: 1, type: 'ONE_TIME', status } as Run,
});

/** A first-time success: created waiting, RUNNING, SUCCESS; its run created and closed. */
const firstTimeSuccess = [
  runChange('RUNNING'),
  instanceChange('WAITING_UPSTREAM'),
  instanceChange('RUNNING', 'WAITING_UPSTREAM'),
  instanceChange('SUCCESS', 'RUNNING'),
  runChange('SUCCESS'),
];

async function published(level: StatusEventLevel) {
  const bus = recordingBus();
  // A workflow without alert rules: the batch is only published.
  const alerts = {
    store: { getWorkflowVersion: async () => undefined },
    clock: { now: () => new Date('2026-01-01T00:00:00Z') },
    settings: {},
  } as unknown as AlertDeps;
  const retryFrom = await handleStatusChanges({ bus, level, alerts }, firstTimeSuccess, () => {});
  return {
    retryFrom,
    events: bus.entries.map((e) => `${e.detailType}: ${(e.detail as { newStatus: string }).newStatus}`),
  };
}

describe('status-event levels', () => {
  it('ALL publishes every status entered', async () => {
    expect((await published('ALL')).events).toEqual([
      `${STATUS_DETAIL_TYPES.run}: RUNNING`,
      `${STATUS_DETAIL_TYPES.instance}: WAITING_UPSTREAM`,
      `${STATUS_DETAIL_TYPES.instance}: RUNNING`,
      `${STATUS_DETAIL_TYPES.instance}: SUCCESS`,
      `${STATUS_DETAIL_TYPES.run}: SUCCESS`,
    ]);
  });

  it("FINISHED publishes an instance's final status and every run change", async () => {
    expect((await published('FINISHED')).events).toEqual([
      `${STATUS_DETAIL_TYPES.run}: RUNNING`,
      `${STATUS_DETAIL_TYPES.instance}: SUCCESS`,
      `${STATUS_DETAIL_TYPES.run}: SUCCESS`,
    ]);
  });

  it('NONE publishes nothing and still finishes the batch', async () => {
    expect(await published('NONE')).toEqual({ retryFrom: undefined, events: [] });
  });

  it('is read from RONDO_STATUS_EVENTS, ALL when unset, and refuses another word', () => {
    const env = {
      RONDO_TABLE_NAME: 't',
      RONDO_DISPATCH_QUEUE_URL: 'q',
      RONDO_COMPLETION_QUEUE_URL: 'q',
      RONDO_RETRY_STATE_MACHINE_ARN: 'a',
      RONDO_LOOP_STATE_MACHINE_ARN: 'a',
      RONDO_SCHEDULE_GROUP: 'g',
      RONDO_SCHEDULE_TARGET_ARN: 'a',
      RONDO_SCHEDULER_ROLE_ARN: 'a',
      RONDO_EXECUTORS: 'noop',
      RONDO_EVENT_BUS_NAME: 'b',
    };
    expect(loadEngineConfig(env).statusEvents).toBe('ALL');
    expect(loadEngineConfig({ ...env, RONDO_STATUS_EVENTS: 'FINISHED' }).statusEvents).toBe('FINISHED');
    expect(() => loadEngineConfig({ ...env, RONDO_STATUS_EVENTS: 'final' })).toThrow(
      /RONDO_STATUS_EVENTS must be one of ALL, FINISHED, NONE/,
    );
  });
});
