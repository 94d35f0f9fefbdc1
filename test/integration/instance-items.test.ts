// Instance items in DynamoDB (Local): the compact form written and read by the store, and
// items written in the earlier form (every field an attribute, reports keyed by whole ids)
// still read, moved and counted once.
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDynamoDb } from '#local/dynamodb.ts';
import { instanceKeyOf } from '#shared/aws/dynamodb/instance-items.ts';
import { instanceId } from '#shared/model/ids.ts';
import type { Instance } from '#shared/model/instance.ts';
import type { Store } from '#shared/ports/store.ts';
import { runningInstance } from '../support/instances.ts';
import { startLocalStore } from '../support/local-store.ts';

const TABLE = 'instance-items';
const RUN = 'orders.20260101T0000Z';
let dynamoDb: LocalDynamoDb;
let client: DynamoDBDocumentClient;
let store: Store;

beforeAll(async () => {
  ({ dynamoDb, client, store } = await startLocalStore(TABLE));
}, 60_000);

afterAll(async () => {
  await dynamoDb?.stop();
});

/** A task waiting for two upstreams of its run. */
function waiting(taskId: string): Instance {
  return {
    ...runningInstance(instanceId(RUN, taskId), taskId, 'noop'),
    runId: RUN,
    workflowId: 'orders',
    status: 'WAITING_UPSTREAM',
    transitions: [{ status: 'WAITING_UPSTREAM', at: '2026-01-01T00:00:01.000Z' }],
    upstream: [
      { taskId: 'a', condition: 'SUCCESS' },
      { taskId: 'b', condition: 'SUCCESS' },
    ],
    waitingUpstreams: 2,
    accumulatedRuns: 0,
  };
}

const success = { outcome: 'SUCCESS' as const, revision: 3 };
const noEffect = { blocking: 0 as const, unmet: 0 as const };

describe('instance items in DynamoDB', () => {
  it('counts each upstream report once and reads the instance back whole', async () => {
    const instance = waiting('compact');
    await store.putInstances([instance]);
    const first = await store.recordUpstreamOutcome(instance.id, instanceId(RUN, 'a'), success, noEffect);
    expect(first?.waitingUpstreams).toBe(1);
    expect(
      await store.recordUpstreamOutcome(instance.id, instanceId(RUN, 'a'), success, noEffect),
    ).toBeUndefined();
    const read = await store.getInstance(instance.id);
    expect(read).toEqual({
      ...instance,
      waitingUpstreams: 1,
      upstreamOutcomes: { [instanceId(RUN, 'a')]: success },
      revision: instance.revision + 1,
    });
  });

  it('reads, moves and counts an item written in the earlier form, where every field is an attribute', async () => {
    const instance = waiting('earlier');
    const upstreamA = instanceId(RUN, 'a');
    await client.send(
      new PutCommand({
        TableName: TABLE,
        Item: {
          ...instanceKeyOf(instance.id),
          kind: 'instance',
          ...instance,
          waitingUpstreams: 1,
          upstreamOutcomes: { [upstreamA]: success },
        },
      }),
    );
    // Reported before, under its whole id: not counted again.
    expect(await store.recordUpstreamOutcome(instance.id, upstreamA, success, noEffect)).toBeUndefined();
    const counted = await store.recordUpstreamOutcome(instance.id, instanceId(RUN, 'b'), success, noEffect);
    expect(counted?.waitingUpstreams).toBe(0);
    expect(counted?.upstreamOutcomes).toEqual({ [upstreamA]: success, [instanceId(RUN, 'b')]: success });
    const ready = await store.getInstance(instance.id);
    if (!ready) throw new Error('the instance is gone');
    await store.transitionInstance(ready, 'RUNNING', '2026-01-01T00:00:05.000Z');
    expect((await store.getInstance(instance.id))?.transitions).toEqual([
      { status: 'WAITING_UPSTREAM', at: '2026-01-01T00:00:01.000Z' },
      { status: 'RUNNING', at: '2026-01-01T00:00:05.000Z' },
    ]);
    const stored = await client.send(new GetCommand({ TableName: TABLE, Key: instanceKeyOf(instance.id) }));
    expect(stored.Item?.transitions).toEqual([
      { status: 'WAITING_UPSTREAM', at: '2026-01-01T00:00:01.000Z' },
      'RUNNING@2026-01-01T00:00:05.000Z',
    ]);
  });
});
