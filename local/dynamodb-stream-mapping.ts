// A DynamoDB stream event source mapping, as Lambda's: follows the stream's shards (a child
// only once its parent is read to the end, so the changes to one key arrive in order), hands
// the consumer batches of records in the Lambda event shape, and checkpoints per shard:
// ReportBatchItemFailures redelivers from the first failed record, a thrown error the whole
// batch, and a batch still failing after its retries goes to `onFailure` (Lambda's on-failure
// destination) so that the shard moves on.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type _Record,
  type AttributeValue,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ResourceNotFoundException,
  type Shard,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import type {
  DynamoDBBatchItemFailure,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  AttributeValue as EventAttributeValue,
} from 'aws-lambda';
import { LOCAL_REGION } from './constants.ts';

export type DynamoDbStreamMappingOptions = {
  client: DynamoDBStreamsClient;
  streamArn: string;
  /** The consumer; may answer `{ batchItemFailures: [{ itemIdentifier: SequenceNumber }] }`. */
  handler: (event: DynamoDBStreamEvent) => Promise<unknown>;
  /** Records per event at most (Lambda's BatchSize); default 100. */
  batchSize?: number;
  /** Deliveries of a failing batch after the first (Lambda's MaximumRetryAttempts); default 3. */
  maxRetries?: number;
  /** Wait after a read that found nothing new, and between retries; default 200 ms. */
  pollIntervalMs?: number;
  /** A batch given up on after its retries (Lambda's on-failure destination). */
  onFailure?: (records: DynamoDBRecord[], error: unknown) => void;
  onError?: (error: unknown) => void;
};

/** GetRecords returns at most this many records a call. */
const MAX_GET_RECORDS = 1000;
/** How often to look for new shards; DynamoDB Local, like DynamoDB, rolls a stream's shards. */
const DESCRIBE_INTERVAL_MS = 2000;
const ERROR_BACKOFF_MS = 1000;

type ShardState = {
  id: string;
  parentId: string | undefined;
  /**
   * Where reading begins: LATEST for the shards open when the mapping started, so a restarted
   * runtime does not replay the table's history; TRIM_HORIZON for shards that appear later.
   */
  start: 'LATEST' | 'TRIM_HORIZON';
  iterator: string | undefined;
  /** The last record read from the stream, to read on from after an iterator expires. */
  lastRead: string | undefined;
  /** The batch being delivered: read but not yet checkpointed. */
  pending: _Record[];
  /** The first record of a batch that failed, and how many times it was delivered. */
  failing: { sequenceNumber: string | undefined; deliveries: number } | undefined;
  /** GetRecords gave no next iterator: the shard takes no more records. */
  closed: boolean;
  /** Read to its end (or gone): its children may be read. */
  finished: boolean;
  reading: boolean;
};

export class DynamoDbStreamMapping {
  readonly #options: DynamoDbStreamMappingOptions;
  readonly #batchSize: number;
  readonly #pollIntervalMs: number;
  readonly #abort = new AbortController();
  readonly #shards = new Map<string, ShardState>();
  readonly #readers = new Set<Promise<void>>();
  readonly #positioned = Promise.withResolvers<void>();
  #described = false;
  #discovery: Promise<void> | undefined;

  constructor(options: DynamoDbStreamMappingOptions) {
    const batchSize = options.batchSize ?? 100;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size ${batchSize}`);
    this.#options = options;
    this.#batchSize = batchSize;
    this.#pollIntervalMs = options.pollIntervalMs ?? 200;
  }

  /**
   * Starts reading; resolves once the mapping holds a position at the end of every open shard,
   * so that whatever is written afterwards is delivered (what is written before may not be).
   */
  start(): Promise<void> {
    this.#discovery ??= this.#discover();
    return this.#positioned.promise;
  }

  /** Stops reading, after the batches being delivered are done. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#discovery;
    // A reader that finishes its shard starts no other once aborted, so this set only shrinks.
    await Promise.allSettled([...this.#readers]);
  }

  async #discover(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        await this.#describe();
        this.#positioned.resolve();
      } catch (error) {
        if (signal.aborted) break;
        this.#options.onError?.(error);
      }
      await this.#pause(DESCRIBE_INTERVAL_MS);
    }
    this.#positioned.resolve();
  }

  async #describe(): Promise<void> {
    const listed = await this.#listShards();
    const initial = !this.#described;
    const added = listed
      .filter((shard) => shard.ShardId && !this.#shards.has(shard.ShardId))
      .map((shard) => newShard(shard, initial));
    if (initial) {
      // Positioned now, not when first read, so that a write right after start() is not missed.
      const open = added.filter((shard) => !shard.finished);
      await Promise.all(open.map(async (shard) => (shard.iterator = await this.#iterator(shard))));
    }
    for (const shard of added) this.#shards.set(shard.id, shard);
    this.#described = true;
    // Shards past the stream's retention are no longer listed; nothing waits on them.
    const ids = new Set(listed.map((shard) => shard.ShardId));
    for (const shard of this.#shards.values()) {
      if (shard.finished && !ids.has(shard.id)) this.#shards.delete(shard.id);
    }
    this.#schedule();
  }

  async #listShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const out = await this.#options.client.send(
        new DescribeStreamCommand({
          StreamArn: this.#options.streamArn,
          ExclusiveStartShardId: exclusiveStartShardId,
        }),
        { abortSignal: this.#abort.signal },
      );
      shards.push(...(out.StreamDescription?.Shards ?? []));
      exclusiveStartShardId = out.StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    return shards;
  }

  /** Starts a reader for every shard whose turn it is: unfinished, and its parent read to the end. */
  #schedule(): void {
    if (this.#abort.signal.aborted) return;
    for (const shard of this.#shards.values()) {
      if (shard.reading || shard.finished) continue;
      const parent = shard.parentId ? this.#shards.get(shard.parentId) : undefined;
      if (parent && !parent.finished) continue;
      shard.reading = true;
      const reader = this.#read(shard).finally(() => {
        shard.reading = false;
        this.#readers.delete(reader);
        if (shard.finished) this.#schedule();
      });
      this.#readers.add(reader);
    }
  }

  async #read(shard: ShardState): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted && !shard.finished) {
      try {
        if (shard.pending.length > 0) {
          await this.#deliver(shard);
        } else if (shard.closed) {
          shard.finished = true;
        } else {
          await this.#fetch(shard);
          // Nothing new yet: wait rather than ask again at once.
          if (shard.pending.length === 0 && !shard.closed) await this.#pause(this.#pollIntervalMs);
        }
      } catch (error) {
        if (signal.aborted) return;
        await this.#recover(shard, error);
      }
    }
  }

  /** Reads the next batch into `pending`, page by page, so a failed page loses nothing read before it. */
  async #fetch(shard: ShardState): Promise<void> {
    while (shard.pending.length < this.#batchSize && !shard.closed) {
      shard.iterator ??= await this.#iterator(shard);
      const limit = Math.min(MAX_GET_RECORDS, this.#batchSize - shard.pending.length);
      const out = await this.#options.client.send(
        new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: limit }),
        { abortSignal: this.#abort.signal },
      );
      const records = out.Records ?? [];
      shard.pending.push(...records);
      shard.lastRead = records.at(-1)?.dynamodb?.SequenceNumber ?? shard.lastRead;
      shard.iterator = out.NextShardIterator;
      shard.closed = !out.NextShardIterator;
      if (records.length < limit) return;
    }
  }

  async #iterator(shard: ShardState): Promise<string | undefined> {
    const out = await this.#options.client.send(
      new GetShardIteratorCommand({
        StreamArn: this.#options.streamArn,
        ShardId: shard.id,
        ...(shard.lastRead
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: shard.lastRead }
          : { ShardIteratorType: shard.start }),
      }),
      { abortSignal: this.#abort.signal },
    );
    return out.ShardIterator;
  }

  async #recover(shard: ShardState, error: unknown): Promise<void> {
    if (error instanceof ExpiredIteratorException) {
      // Iterators last 15 minutes; a new one resumes after the last record read.
      shard.iterator = undefined;
      return;
    }
    this.#options.onError?.(error);
    if (error instanceof TrimmedDataAccessException) {
      // Records past the stream's retention are gone: read on from the oldest one left.
      shard.iterator = undefined;
      shard.lastRead = undefined;
      shard.start = 'TRIM_HORIZON';
    } else if (error instanceof ResourceNotFoundException) {
      // The stream (or its table) was deleted: nothing more to read here.
      shard.finished = true;
    } else {
      await this.#pause(ERROR_BACKOFF_MS);
    }
  }

  /** One delivery of `pending`: checkpoints what succeeded, keeps what is to be redelivered. */
  async #deliver(shard: ShardState): Promise<void> {
    const records = shard.pending;
    let event: DynamoDBStreamEvent | undefined;
    let failedAt: number;
    let error: unknown;
    try {
      event = this.#event(records);
      failedAt = firstFailure(await this.#options.handler(event), records);
      if (failedAt < 0) {
        shard.pending = [];
        shard.failing = undefined;
        return;
      }
      error = new Error(`batch item failure: ${records[failedAt]?.dynamodb?.SequenceNumber}`);
    } catch (thrown) {
      failedAt = 0;
      error = thrown;
      this.#options.onError?.(thrown);
    }
    // The records before the first failure are done; the rest come again, in order.
    shard.pending = records.slice(failedAt);
    const sequenceNumber = shard.pending[0]?.dynamodb?.SequenceNumber;
    const failing = shard.failing;
    const deliveries = failing && failing.sequenceNumber === sequenceNumber ? failing.deliveries + 1 : 1;
    shard.failing = { sequenceNumber, deliveries };
    if (deliveries > (this.#options.maxRetries ?? 3)) {
      shard.pending = [];
      shard.failing = undefined;
      this.#options.onFailure?.(event?.Records.slice(failedAt) ?? [], error);
      return;
    }
    await this.#pause(this.#pollIntervalMs);
  }

  /** Waits, or less if the mapping stops meanwhile. */
  async #pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.#abort.signal }).catch(() => {});
  }

  #event(records: _Record[]): DynamoDBStreamEvent {
    return { Records: records.map((record) => this.#record(record)) };
  }

  #record(record: _Record): DynamoDBRecord {
    const change = record.dynamodb;
    return {
      eventID: record.eventID,
      eventName: record.eventName,
      eventVersion: record.eventVersion ?? '1.1',
      eventSource: 'aws:dynamodb',
      // DynamoDB Local names its own region ("ddblocal"); the runtime's resources live in this one.
      awsRegion: LOCAL_REGION,
      dynamodb: {
        ApproximateCreationDateTime: change?.ApproximateCreationDateTime
          ? Math.floor(change.ApproximateCreationDateTime.getTime() / 1000)
          : undefined,
        Keys: image(change?.Keys),
        NewImage: image(change?.NewImage),
        OldImage: image(change?.OldImage),
        SequenceNumber: change?.SequenceNumber,
        SizeBytes: change?.SizeBytes,
        StreamViewType: change?.StreamViewType,
      },
      eventSourceARN: this.#options.streamArn,
      // TTL deletions name the DynamoDB service as who removed the item.
      ...(record.userIdentity
        ? { userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } }
        : {}),
    };
  }
}

function newShard(shard: Shard, initial: boolean): ShardState {
  // A shard already closed when the mapping started holds only history.
  const closedBefore = initial && shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
  return {
    id: shard.ShardId ?? '',
    parentId: shard.ParentShardId,
    start: initial ? 'LATEST' : 'TRIM_HORIZON',
    iterator: undefined,
    lastRead: undefined,
    pending: [],
    failing: undefined,
    closed: closedBefore,
    finished: closedBefore,
    reading: false,
  };
}

/** The index of the first record the handler reported failed, or -1 if it reported none. */
function firstFailure(response: unknown, records: _Record[]): number {
  const identifiers = failedIdentifiers(response);
  if (identifiers.length === 0) return -1;
  const indexes = identifiers.map((id) => records.findIndex((r) => r.dynamodb?.SequenceNumber === id));
  // Like Lambda, an identifier that names no record of the batch fails the whole batch.
  return indexes.includes(-1) ? 0 : Math.min(...indexes);
}

function failedIdentifiers(response: unknown): unknown[] {
  if (typeof response !== 'object' || response === null || !('batchItemFailures' in response)) return [];
  const failures = response.batchItemFailures;
  if (!Array.isArray(failures)) return [];
  return failures.map((failure: Partial<DynamoDBBatchItemFailure> | null) => failure?.itemIdentifier);
}

function image(
  item: Record<string, AttributeValue> | undefined,
): Record<string, EventAttributeValue> | undefined {
  return item && Object.fromEntries(Object.entries(item).map(([name, value]) => [name, attribute(value)]));
}

/** The SDK's attribute value as the Lambda event carries it: binary as base64, as on the wire. */
function attribute(value: AttributeValue): EventAttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.M !== undefined) return { M: image(value.M) ?? {} };
  if (value.L !== undefined) return { L: value.L.map(attribute) };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  // The SDK's DynamoDB Streams client reads an empty map ({"M":{}}) as an empty object (an
  // empty list keeps its {"L":[]}): no member at all can only be that map.
  if (Object.keys(value).length === 0) return { M: {} };
  throw new Error(`unknown attribute type: ${Object.keys(value).join(', ')}`);
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}
