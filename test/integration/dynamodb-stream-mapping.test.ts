// The embedded runtime's DynamoDB stream event source mapping, against DynamoDB Local's
// stream: what it delivers must be what Lambda's mapping delivers (order, images, batch
// sizes, ReportBatchItemFailures, retries then the on-failure destination, shutdown).
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRondoTable, tableStreamArn } from '#local/dynamodb.ts';
import { DynamoDbStreamMapping, type DynamoDbStreamMappingOptions } from '#local/dynamodb-stream-mapping.ts';
import { eventually, localAws, unique } from './support.ts';

let db: DynamoDBClient;
let streams: DynamoDBStreamsClient;
let tableName: string;
let streamArn: string;
const started: DynamoDbStreamMapping[] = [];
/** Gates a failed test left shut, opened so that stopping its mappings does not wait on them. */
const gates: (() => void)[] = [];
/** Errors the mappings report that no test expects. */
const unexpected: unknown[] = [];

beforeAll(async () => {
  db = new DynamoDBClient(localAws('dynamodb'));
  streams = new DynamoDBStreamsClient(localAws('dynamodb'));
  tableName = unique('stream-mapping');
  await createRondoTable(db, tableName);
  streamArn = await tableStreamArn(db, tableName);
});

afterEach(async () => {
  for (const open of gates.splice(0)) open();
  await Promise.all(started.splice(0).map((mapping) => mapping.stop()));
  expect(unexpected.splice(0)).toEqual([]);
});

afterAll(async () => {
  await db.send(new DeleteTableCommand({ TableName: tableName }));
  db.destroy();
  streams.destroy();
});

type Options = Omit<DynamoDbStreamMappingOptions, 'client' | 'streamArn'>;

/** A mapping on the test table, positioned at the stream's end, that the test's end stops. */
async function startMapping(options: Options): Promise<DynamoDbStreamMapping> {
  const mapping = new DynamoDbStreamMapping({
    client: streams,
    streamArn,
    pollIntervalMs: 50,
    onError: (error) => unexpected.push(error),
    ...options,
  });
  started.push(mapping);
  await mapping.start();
  return mapping;
}

const keyOf = (record: DynamoDBRecord): string | undefined => record.dynamodb?.Keys?.pk?.S;
const keysOf = (event: DynamoDBStreamEvent): (string | undefined)[] => event.Records.map(keyOf);

async function put(pk: string, value = 0): Promise<void> {
  await db.send(
    new PutItemCommand({
      TableName: tableName,
      // Empty containers too: the SDK's Streams client reads an empty map back as `{}`.
      Item: {
        pk: { S: pk },
        sk: { S: 'item' },
        value: { N: String(value) },
        tags: { M: {} },
        list: { L: [] },
        nested: { M: { inner: { M: {} } } },
      },
    }),
  );
}

async function update(pk: string, value: number): Promise<void> {
  await db.send(
    new UpdateItemCommand({
      TableName: tableName,
      Key: { pk: { S: pk }, sk: { S: 'item' } },
      UpdateExpression: 'SET #value = :value',
      ExpressionAttributeNames: { '#value': 'value' },
      ExpressionAttributeValues: { ':value': { N: String(value) } },
    }),
  );
}

/**
 * Holds the handler in its first batch until opened. The mapping reads a shard's next batch
 * only after the current one is done, so what the test writes meanwhile arrives together,
 * which makes the batches the test expects exact.
 */
function gate(): { wait: Promise<void>; open: () => void } {
  const { promise, resolve } = Promise.withResolvers<void>();
  gates.push(() => resolve());
  return { wait: promise, open: () => resolve() };
}

describe('DynamoDB stream event source mapping', () => {
  it('delivers every change in write order, with both images, in batches of at most batchSize', async () => {
    const key = unique('order');
    const held = gate();
    const batches: DynamoDBRecord[][] = [];
    await startMapping({
      batchSize: 3,
      handler: async (event) => {
        batches.push(event.Records);
        if (batches.length === 1) await held.wait;
      },
    });
    const writes: [op: typeof update, pk: string, value: number][] = [
      [put, 'a', 0],
      [update, 'a', 1],
      [put, 'b', 0],
      [put, 'a', 2],
      [update, 'b', 1],
      [update, 'c', 0],
      [update, 'c', 1],
      [update, 'a', 3],
      [update, 'b', 2],
      [put, 'c', 2],
    ];
    const [first, ...rest] = writes;
    if (!first) throw new Error('no writes');
    await first[0](`${key}-${first[1]}`, first[2]);
    await eventually(async () => batches.length === 1 || undefined, 30_000, 'the first batch');
    for (const [op, pk, value] of rest) await op(`${key}-${pk}`, value);
    held.open();

    const records = await eventually(
      async () => batches.flat().length >= writes.length || undefined,
      30_000,
      'every change',
    ).then(() => batches.flat());
    const current = new Map<string, number>();
    const expected = writes.map(([, pk, value]) => {
      const old = current.get(pk);
      current.set(pk, value);
      return {
        pk: `${key}-${pk}`,
        eventName: old === undefined ? 'INSERT' : 'MODIFY',
        newValue: String(value),
        oldValue: old === undefined ? undefined : String(old),
      };
    });
    expect(
      records.map((record) => ({
        pk: keyOf(record),
        eventName: record.eventName,
        newValue: record.dynamodb?.NewImage?.value?.N,
        oldValue: record.dynamodb?.OldImage?.value?.N,
      })),
    ).toEqual(expected);
    const inserted = records.find((record) => record.eventName === 'INSERT');
    expect(inserted?.dynamodb?.NewImage).toMatchObject({
      tags: { M: {} },
      list: { L: [] },
      nested: { M: { inner: { M: {} } } },
    });
    // The first batch held the first write alone; the other nine were all there to read.
    expect(batches.map((batch) => batch.length)).toEqual([1, 3, 3, 3]);

    const sequenceNumbers = records.map((record) => BigInt(record.dynamodb?.SequenceNumber ?? '0'));
    expect(sequenceNumbers).toEqual([...sequenceNumbers].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(sequenceNumbers).size).toBe(records.length);
    for (const record of records) {
      expect(record).toMatchObject({
        eventID: expect.any(String),
        eventSource: 'aws:dynamodb',
        eventVersion: '1.1',
        awsRegion: 'us-east-1',
        eventSourceARN: streamArn,
        dynamodb: {
          Keys: { pk: { S: keyOf(record) }, sk: { S: 'item' } },
          StreamViewType: 'NEW_AND_OLD_IMAGES',
          ApproximateCreationDateTime: expect.any(Number),
          SizeBytes: expect.any(Number),
        },
      });
    }
  });

  it('redelivers a partially failed batch from the first failed record on', async () => {
    const key = unique('partial');
    const held = gate();
    const batches: (string | undefined)[][] = [];
    let failed = false;
    await startMapping({
      handler: async (event) => {
        batches.push(keysOf(event));
        if (batches.length === 1) await held.wait;
        const third = event.Records.find((record) => keyOf(record) === `${key}-3`);
        if (!third || failed) return { batchItemFailures: [] };
        failed = true;
        return { batchItemFailures: [{ itemIdentifier: third.dynamodb?.SequenceNumber ?? '' }] };
      },
    });
    await put(`${key}-0`);
    await eventually(async () => batches.length === 1 || undefined, 30_000, 'the first batch');
    for (const n of [1, 2, 3, 4, 5]) await put(`${key}-${n}`);
    held.open();
    await eventually(async () => batches.length === 3 || undefined, 30_000, 'the redelivery');
    // A later write arrives after the redelivery, and nothing was delivered in between.
    await put(`${key}-6`);
    await eventually(async () => batches.flat().includes(`${key}-6`) || undefined, 30_000, 'the later write');

    const k = (n: number) => `${key}-${n}`;
    expect(batches).toEqual([[k(0)], [k(1), k(2), k(3), k(4), k(5)], [k(3), k(4), k(5)], [k(6)]]);
  });

  it('redelivers the whole batch when the handler throws', async () => {
    const key = unique('thrown');
    const held = gate();
    const batches: (string | undefined)[][] = [];
    const errors: unknown[] = [];
    await startMapping({
      onError: (error) => errors.push(error),
      handler: async (event) => {
        batches.push(keysOf(event));
        if (batches.length === 1) await held.wait;
        if (batches.length === 2) throw new Error('handler failed');
      },
    });
    await put(`${key}-0`);
    await eventually(async () => batches.length === 1 || undefined, 30_000, 'the first batch');
    for (const n of [1, 2, 3]) await put(`${key}-${n}`);
    held.open();
    await eventually(async () => batches.length === 3 || undefined, 30_000, 'the redelivery');
    await put(`${key}-4`);
    await eventually(async () => batches.flat().includes(`${key}-4`) || undefined, 30_000, 'the later write');

    const k = (n: number) => `${key}-${n}`;
    expect(batches).toEqual([[k(0)], [k(1), k(2), k(3)], [k(1), k(2), k(3)], [k(4)]]);
    expect(errors).toEqual([new Error('handler failed')]);
  });

  it('gives a batch to onFailure after maxRetries retries, and delivers what follows', async () => {
    const key = unique('retries');
    const held = gate();
    const batches: (string | undefined)[][] = [];
    const failures: { keys: (string | undefined)[]; error: unknown }[] = [];
    await startMapping({
      maxRetries: 2,
      onError: () => {},
      onFailure: (records, error) => failures.push({ keys: records.map(keyOf), error }),
      handler: async (event) => {
        batches.push(keysOf(event));
        if (batches.length === 1) await held.wait;
        if (keysOf(event).includes(`${key}-bad`)) throw new Error('poison');
      },
    });
    await put(`${key}-0`);
    await eventually(async () => batches.length === 1 || undefined, 30_000, 'the first batch');
    await put(`${key}-1`);
    await put(`${key}-bad`);
    held.open();
    await eventually(async () => failures.length === 1 || undefined, 30_000, 'the failure');
    await put(`${key}-2`);
    await eventually(async () => batches.flat().includes(`${key}-2`) || undefined, 30_000, 'the later write');

    const failing = [`${key}-1`, `${key}-bad`];
    // One delivery and two retries, then the shard moves past the batch.
    expect(batches).toEqual([[`${key}-0`], failing, failing, failing, [`${key}-2`]]);
    expect(failures).toEqual([{ keys: failing, error: new Error('poison') }]);
  });

  it('gives onFailure only the records from the first failed one on', async () => {
    const key = unique('partial-failure');
    const held = gate();
    const batches: (string | undefined)[][] = [];
    const failures: (string | undefined)[][] = [];
    await startMapping({
      maxRetries: 1,
      onFailure: (records) => failures.push(records.map(keyOf)),
      handler: async (event) => {
        batches.push(keysOf(event));
        if (batches.length === 1) await held.wait;
        const bad = event.Records.find((record) => keyOf(record) === `${key}-bad`);
        return { batchItemFailures: bad ? [{ itemIdentifier: bad.dynamodb?.SequenceNumber ?? '' }] : [] };
      },
    });
    await put(`${key}-0`);
    await eventually(async () => batches.length === 1 || undefined, 30_000, 'the first batch');
    for (const suffix of ['1', 'bad', '2']) await put(`${key}-${suffix}`);
    held.open();
    await eventually(async () => failures.length === 1 || undefined, 30_000, 'the failure');
    await put(`${key}-3`);
    await eventually(async () => batches.flat().includes(`${key}-3`) || undefined, 30_000, 'the later write');

    const k = (suffix: string) => `${key}-${suffix}`;
    expect(batches).toEqual([[k('0')], [k('1'), k('bad'), k('2')], [k('bad'), k('2')], [k('3')]]);
    expect(failures).toEqual([[k('bad'), k('2')]]);
  });

  it('stop() waits for the batch in flight, then delivers nothing more', async () => {
    const key = unique('stop');
    const held = gate();
    const seen: (string | undefined)[] = [];
    const control: (string | undefined)[] = [];
    let handled = false;
    const mapping = await startMapping({
      handler: async (event) => {
        seen.push(...keysOf(event));
        await held.wait;
        handled = true;
      },
    });
    // A second mapping on the same stream shows when the stopped one would have had a record.
    await startMapping({ handler: async (event) => void control.push(...keysOf(event)) });
    await put(`${key}-1`);
    await eventually(
      async () => (seen.length === 1 && control.length === 1) || undefined,
      30_000,
      'delivery',
    );

    let stopped = false;
    const stopping = mapping.stop().then(() => {
      stopped = true;
    });
    await put(`${key}-2`);
    await eventually(async () => control.includes(`${key}-2`) || undefined, 30_000, 'the control mapping');
    // The handler is still held, so stop() cannot have returned.
    expect(stopped).toBe(false);
    held.open();
    await stopping;
    expect(handled).toBe(true);

    await put(`${key}-3`);
    await eventually(async () => control.includes(`${key}-3`) || undefined, 30_000, 'the control mapping');
    expect(seen).toEqual([`${key}-1`]);
  });

  it('starts at the end of the stream: a restarted mapping does not replay history', async () => {
    const key = unique('restart');
    const before: (string | undefined)[] = [];
    const first = await startMapping({ handler: async (event) => void before.push(...keysOf(event)) });
    await put(`${key}-1`);
    await eventually(async () => before.includes(`${key}-1`) || undefined, 30_000, 'the first mapping');
    await first.stop();

    const after: (string | undefined)[] = [];
    await startMapping({ handler: async (event) => void after.push(...keysOf(event)) });
    await put(`${key}-2`);
    await eventually(async () => after.includes(`${key}-2`) || undefined, 30_000, 'the second mapping');
    expect(after).toEqual([`${key}-2`]);
  });
});

describe('createRondoTable and streams', () => {
  it('enables the stream on a table that exists without one', async () => {
    const name = unique('no-stream');
    await db.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
    try {
      await expect(tableStreamArn(db, name)).rejects.toThrow('has no stream');
      await createRondoTable(db, name);
      const { Table } = await db.send(new DescribeTableCommand({ TableName: name }));
      expect(Table?.StreamSpecification).toEqual({
        StreamEnabled: true,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      });
      const arn = await tableStreamArn(db, name);
      // A table that has its stream keeps it.
      await createRondoTable(db, name);
      expect(await tableStreamArn(db, name)).toBe(arn);
    } finally {
      await db.send(new DeleteTableCommand({ TableName: name }));
    }
  });
});

/**
 * A stream whose shards the test controls: DynamoDB Local keeps one shard for a table's
 * stream (it does not split or roll them within a test), so the order between a parent
 * shard and its child is shown against this stand-in for the Streams API.
 */
class FakeStream {
  shards = new Map<string, { shard: Shard; records: _Record[]; closed: boolean }>();
  /** What the mapping asked for, in order. */
  calls: string[] = [];
  describes = 0;

  add(id: string, options: { parent?: string; closed?: boolean; records?: string[] } = {}): void {
    this.shards.set(id, {
      shard: { ShardId: id, ParentShardId: options.parent },
      records: [],
      closed: options.closed ?? false,
    });
    for (const key of options.records ?? []) this.write(id, key);
  }

  close(id: string): void {
    this.#entry(id).closed = true;
  }

  write(id: string, key: string): void {
    this.#entry(id).records.push({
      eventID: key,
      eventName: 'INSERT',
      dynamodb: { Keys: { pk: { S: key } }, SequenceNumber: key, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  }

  #entry(id: string): { shard: Shard; records: _Record[]; closed: boolean } {
    const entry = this.shards.get(id);
    if (!entry) throw new Error(`no shard ${id}`);
    return entry;
  }

  async send(command: object): Promise<unknown> {
    if (command instanceof DescribeStreamCommand) {
      this.describes++;
      const shards = [...this.shards.values()].map(({ shard, closed, records }) => ({
        ...shard,
        SequenceNumberRange: closed ? { EndingSequenceNumber: String(records.length) } : {},
      }));
      return { StreamDescription: { Shards: shards } };
    }
    if (command instanceof GetShardIteratorCommand) {
      const { ShardId = '', ShardIteratorType } = command.input;
      this.calls.push(`iterator ${ShardId} ${ShardIteratorType}`);
      const entry = this.shards.get(ShardId);
      return { ShardIterator: `${ShardId}:${ShardIteratorType === 'LATEST' ? entry?.records.length : 0}` };
    }
    if (command instanceof GetRecordsCommand) {
      const [id = '', from = '0'] = (command.input.ShardIterator ?? '').split(':');
      const entry = this.#entry(id);
      const records = entry.records.slice(Number(from), Number(from) + (command.input.Limit ?? 1000));
      const next = Number(from) + records.length;
      const end = entry.closed && next === entry.records.length;
      if (end) this.calls.push(`end ${id}`);
      return { Records: records, NextShardIterator: end ? undefined : `${id}:${next}` };
    }
    throw new Error(`unexpected command ${command.constructor.name}`);
  }
}

describe('DynamoDB stream event source mapping, shard lineage', () => {
  it('reads a child shard from its start, only once its parent is read to the end', async () => {
    const stream = new FakeStream();
    // Closed before the mapping started: history, never read.
    stream.add('old', { closed: true, records: ['old-1'] });
    stream.add('parent', { parent: 'old', records: ['before-start'] });
    const held = gate();
    const delivered: (string | undefined)[][] = [];
    const mapping = new DynamoDbStreamMapping({
      client: stream as unknown as DynamoDBStreamsClient,
      streamArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/fake/stream/1',
      pollIntervalMs: 10,
      onError: (error) => unexpected.push(error),
      handler: async (event) => {
        delivered.push(keysOf(event));
        if (delivered.length === 1) await held.wait;
      },
    });
    started.push(mapping);
    await mapping.start();

    stream.write('parent', 'p-1');
    await eventually(async () => delivered.length === 1 || undefined, 30_000, 'the first batch');
    // The parent closes and its child appears while the parent's batch is still in flight.
    stream.write('parent', 'p-2');
    stream.close('parent');
    stream.add('child', { parent: 'parent', records: ['c-1', 'c-2'] });
    const describes = stream.describes;
    await eventually(async () => stream.describes > describes || undefined, 30_000, 'a describe');
    expect(stream.calls.some((call) => call.includes('child'))).toBe(false);
    held.open();
    await eventually(async () => delivered.flat().includes('c-2') || undefined, 30_000, 'the child');

    expect(delivered.flat()).toEqual(['p-1', 'p-2', 'c-1', 'c-2']);
    expect(stream.calls).toEqual([
      'iterator parent LATEST',
      'end parent',
      'iterator child TRIM_HORIZON',
      ...stream.calls.slice(3),
    ]);
    expect(stream.calls).not.toContain('iterator old LATEST');
  });
});
