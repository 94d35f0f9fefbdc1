// The local scheduler on a clock the test moves: an hourly workflow in Europe/Berlin across
// the night the clocks go back, pausing and enabling its schedule.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, startRuntime } from '#local/runtime.ts';
import type { Clock } from '#shared/ports/clock.ts';

let now = new Date('2026-10-24T22:30:00Z');
const clock: Clock = { now: () => new Date(now) };
let runtime: Runtime;

beforeAll(async () => {
  runtime = await startRuntime({ port: 0, clock, logLevel: 'ERROR', onError: () => {} });
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
});

const WORKFLOW = 'hourly-berlin';
const schedule = { cycle: 'HOUR', expression: 'cron(0 * * * ? *)', timezone: 'Europe/Berlin' };
const berlinHour = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Europe/Berlin',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  hourCycle: 'h23',
});

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${runtime.apiUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Moves the clock in 10-minute steps, giving the scheduler's tick (every 250 ms) time to fire. */
async function advanceTo(iso: string) {
  const end = new Date(iso);
  while (now < end) {
    now = new Date(Math.min(now.getTime() + 10 * 60_000, end.getTime()));
    await new Promise((resolve) => setTimeout(resolve, 350));
  }
  await new Promise((resolve) => setTimeout(resolve, 1_500)); // the last run creations land
}

/** The data times of the workflow's runs, as Berlin wall-clock hours. */
async function runHours(): Promise<string[]> {
  const { body } = await api('GET', `/v1/instances?workflowId=${WORKFLOW}&limit=500`);
  const items = body.items as { runId: string; dataTime: string }[];
  const runs = new Map(items.map((i) => [i.runId, i.dataTime]));
  return [...runs.values()].sort().map((t) => berlinHour.format(new Date(t)));
}

describe('the local scheduler on a controllable clock', () => {
  it('makes exactly one run per wall-clock hour across the fall-back night', async () => {
    const saved = await api('PUT', `/v1/workflows/${WORKFLOW}`, {
      id: WORKFLOW,
      name: 'Hourly in Berlin',
      schedule: { ...schedule, status: 'ENABLED' },
      tasks: [{ id: 'tick', type: 'noop' }],
    });
    expect(saved.status).toBe(201);
    // 22:30Z is 00:30 CEST on 25 October; at 01:00Z (03:00 CEST) clocks go back to 02:00 CET.
    await advanceTo('2026-10-25T04:30:00Z');
    // The repeated 02:00 fires once (EventBridge Scheduler's rule), and each hour is processed once.
    expect(await runHours()).toEqual([
      '2026-10-25 00',
      '2026-10-25 01',
      '2026-10-25 02',
      '2026-10-25 03',
      '2026-10-25 04',
    ]);
  }, 120_000);

  it('stops making runs while paused and, enabled again, goes on from the next hour without catching up', async () => {
    await api('PUT', `/v1/workflows/${WORKFLOW}/schedule`, { ...schedule, status: 'PAUSED' });
    await advanceTo('2026-10-25T07:30:00Z');
    expect(await runHours()).toHaveLength(5);
    await api('PUT', `/v1/workflows/${WORKFLOW}/schedule`, { ...schedule, status: 'ENABLED' });
    await advanceTo('2026-10-25T08:30:00Z');
    const hours = await runHours();
    expect(hours).toHaveLength(6);
    expect(hours.at(-1)).toBe('2026-10-25 08');
  }, 120_000);
});
