// A backfill's progress in DynamoDB (Local): each slot's run is counted once, the slot added
// to the counted ones in the same write; a run without a slot (made before runs kept theirs)
// is counted as before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDynamoDb } from '#local/dynamodb.ts';
import type { Backfill } from '#shared/model/backfill.ts';
import type { Store } from '#shared/ports/store.ts';
import { startLocalStore } from '../support/local-store.ts';

let dynamoDb: LocalDynamoDb;
let store: Store;

beforeAll(async () => {
  ({ dynamoDb, store } = await startLocalStore('backfill-items'));
}, 60_000);

afterAll(async () => {
  await dynamoDb?.stop();
});

function runningBackfill(id: string): Backfill {
  const slots = ['2026-03-01', '2026-03-02', '2026-03-03'].map((day) => ({
    dataTime: `${day}T00:00:00.000Z`,
    parameterSet: 0,
  }));
  return {
    id,
    workflowId: 'daily',
    status: 'RUNNING',
    from: slots[0]?.dataTime ?? '',
    to: slots[2]?.dataTime ?? '',
    order: 'ASC',
    parallelism: 3,
    includeDownstream: false,
    slots,
    next: 3,
    progress: { total: 3, done: 0, failed: 0, running: 3 },
    createdAt: '2026-03-10T00:00:00.000Z',
    createdBy: 'tester',
  };
}

describe('backfill items in DynamoDB', () => {
  it("counts each slot's run once, and adds the slot to the counted ones", async () => {
    await store.putBackfill(runningBackfill('bf-once'));
    const first = await store.countBackfillRunClosed('bf-once', { slot: 1, failed: false });
    expect(first?.progress).toEqual({ total: 3, done: 1, failed: 0, running: 2 });
    expect(first?.countedSlots).toEqual([1]);
    // The same run closing again (a rerun), or its close seen again: not counted again.
    expect(await store.countBackfillRunClosed('bf-once', { slot: 1, failed: true })).toBeUndefined();
    const failed = await store.countBackfillRunClosed('bf-once', { slot: 2, failed: true });
    expect(failed?.progress).toEqual({ total: 3, done: 2, failed: 1, running: 1 });
    expect(await store.getBackfill('bf-once')).toMatchObject({
      progress: { total: 3, done: 2, failed: 1, running: 1 },
      countedSlots: [1, 2],
    });
  });

  it('counts, when asked, only while every count so far added its slot', async () => {
    await store.putBackfill(runningBackfill('bf-marked'));
    const strict = { failed: false, ifEveryCountMarked: true } as const;
    const first = await store.countBackfillRunClosed('bf-marked', { slot: 0, ...strict });
    expect(first).toMatchObject({ progress: { done: 1 }, countedSlots: [0] });
    // A run counted by an earlier release, without its slot: no strict count after it.
    await store.countBackfillRunClosed('bf-marked', { failed: false });
    expect(await store.countBackfillRunClosed('bf-marked', { slot: 2, ...strict })).toBeUndefined();
    expect(await store.getBackfill('bf-marked')).toMatchObject({ progress: { done: 2 }, countedSlots: [0] });
  });

  it('counts a run without a slot at every call, as runs were counted before they kept their slot', async () => {
    await store.putBackfill(runningBackfill('bf-legacy'));
    await store.countBackfillRunClosed('bf-legacy', { failed: false });
    const second = await store.countBackfillRunClosed('bf-legacy', { failed: false });
    expect(second?.progress).toEqual({ total: 3, done: 2, failed: 0, running: 1 });
  });

  it('counts nothing for a backfill or a slot that does not exist, and writes nothing', async () => {
    expect(await store.countBackfillRunClosed('bf-none', { slot: 0, failed: false })).toBeUndefined();
    expect(await store.getBackfill('bf-none')).toBeUndefined();
    await store.putBackfill(runningBackfill('bf-short'));
    expect(await store.countBackfillRunClosed('bf-short', { slot: 7, failed: false })).toBeUndefined();
    expect((await store.getBackfill('bf-short'))?.progress.done).toBe(0);
  });
});

describe('backfill plans in DynamoDB', () => {
  it('refuses a plan its item could not hold once every run is counted, and writes nothing', async () => {
    const heavy = 'x'.repeat(4_000);
    const sets = Array.from({ length: 100 }, (_x, i) => ({ note: `${i}${heavy}` }));
    const backfill = {
      ...runningBackfill('bf-heavy'),
      parameterSets: sets,
      slots: sets.map((_s, parameterSet) => ({ dataTime: '2026-03-01T00:00:00.000Z', parameterSet })),
    };
    await expect(store.putBackfill(backfill)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ path: 'parameterSets', code: 'BACKFILL_TOO_LARGE' }],
    });
    expect(await store.getBackfill('bf-heavy')).toBeUndefined();
  });
});
