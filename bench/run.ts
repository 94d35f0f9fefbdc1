// `npm run bench`: runs workloads on the embedded runtime, counts what each task instance
// costs in AWS requests (DynamoDB, SQS, Lambda, Step Functions), measures throughput and hop
// latency, prices it with AWS list prices, prints the tables and writes
// bench/results/latest.json. Flags: --quick (smaller workloads), --check (exit 1 when a target
// fails), --record (rewrite the generated block of docs/benchmarks.md). docs/benchmarks.md
// explains how each figure is counted.
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { type AttributeValue, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { MetadataBearer, Pluggable } from '@smithy/types';
import { FUNCTIONS, type FunctionName, type FunctionSpec, RESOURCE_PREFIX } from '#infra/topology.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#local/constants.ts';
import type { LambdaHandler } from '#local/lambda-service.ts';
import { PROJECT_ROOT, type Runtime, startRuntime } from '#local/runtime.ts';
import { itemBytes, transactionalWriteUnits } from '#shared/aws/dynamodb/item-size.ts';
import { requestCounter } from '#shared/aws/request-accounting.ts';
import { instanceId, parseInstanceId } from '#shared/model/ids.ts';
import { STATUS_EVENT_LEVELS, type StatusEventLevel } from '#shared/model/status-change.ts';
import { PRICES } from './prices.ts';
import { SCALING_TOLERANCE, type ScalingRow, scalingCheck } from './scaling.ts';
import { type Workload, workloads } from './workloads.ts';

// ---------------------------------------------------------------------------------------------
// Metering: every AWS request a handler makes is attributed to the function it runs in.

/** Functions whose work is per task instance; `api` (the benchmark's polling) and `reconcile`
 * (a fixed sweep every minute) are reported apart as overhead. */
const ENGINE_FUNCTIONS: ReadonlySet<string> = new Set<FunctionName>([
  'create-run',
  'dispatch',
  'resolve',
  'retry-attempt',
  'loop',
  'ingest-event',
  // Status-change events and alerts: per status change, so per instance.
  'status-events',
]);
const DYNAMODB_READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
const DYNAMODB_WRITES = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);
const SQS_CHUNK_BYTES = 64 * 1024;
const OUTSIDE_FUNCTIONS = 'bench';

type OperationStats = {
  requests: number;
  /** DynamoDB capacity units the responses reported (ReturnConsumedCapacity: INDEXES). */
  readUnits: number;
  writeUnits: number;
  /** The same units split by where they were spent: `table`, or a GSI's name. */
  unitsByTarget: Record<string, number>;
  /** Requests that failed, by error name (conditional check failures, cancelled transactions…). */
  failed: Record<string, number>;
  /** SQS requests as billed: one per started 64 KB of payload. */
  billedRequests: number;
};

type FunctionStats = {
  invocations: number;
  milliseconds: number;
  /** Σ ceil(duration in ms) × configured memory, in GB-seconds. */
  gbSeconds: number;
  /** SQS event-source-mapping batches delivered (each: one ReceiveMessage + one DeleteMessageBatch). */
  sqsBatches: number;
  /** SQS ReceiveMessage requests as billed (64 KB chunks of the bodies received). */
  sqsReceiveChunks: number;
  sqsMessages: number;
};

type Snapshot = {
  operations: Map<string, Map<string, OperationStats>>;
  functions: Map<string, FunctionStats>;
  requestCounter: Record<string, number>;
};

class Meter {
  readonly caller = new AsyncLocalStorage<string>();
  #operations = new Map<string, Map<string, OperationStats>>();
  #functions = new Map<string, FunctionStats>();
  #inFlight = new Map<string, number>();
  lastEngineActivity = 0;

  current(): string {
    return this.caller.getStore() ?? OUTSIDE_FUNCTIONS;
  }

  #op(fn: string, operation: string): OperationStats {
    let byOperation = this.#operations.get(fn);
    if (!byOperation) {
      byOperation = new Map();
      this.#operations.set(fn, byOperation);
    }
    let stats = byOperation.get(operation);
    if (!stats) {
      stats = { requests: 0, readUnits: 0, writeUnits: 0, unitsByTarget: {}, failed: {}, billedRequests: 0 };
      byOperation.set(operation, stats);
    }
    return stats;
  }

  #fn(fn: string): FunctionStats {
    let stats = this.#functions.get(fn);
    if (!stats) {
      stats = {
        invocations: 0,
        milliseconds: 0,
        gbSeconds: 0,
        sqsBatches: 0,
        sqsReceiveChunks: 0,
        sqsMessages: 0,
      };
      this.#functions.set(fn, stats);
    }
    return stats;
  }

  request(operation: string): void {
    this.#op(this.current(), operation).requests++;
  }

  units(operation: string, kind: 'read' | 'write', units: number, byTarget: Record<string, number>): void {
    const stats = this.#op(this.current(), operation);
    if (kind === 'read') stats.readUnits += units;
    else stats.writeUnits += units;
    for (const [target, u] of Object.entries(byTarget)) {
      stats.unitsByTarget[target] = (stats.unitsByTarget[target] ?? 0) + u;
    }
  }

  failed(operation: string, error: unknown): void {
    const failed = this.#op(this.current(), operation).failed;
    const name = error instanceof Error ? error.name : 'Error';
    failed[name] = (failed[name] ?? 0) + 1;
  }

  billed(operation: string, chunks: number): void {
    this.#op(this.current(), operation).billedRequests += chunks;
  }

  /** Runs one invocation of `fn` attributed to it, timing it. */
  async invoke(fn: string, memoryMiB: number, event: unknown, run: () => unknown): Promise<unknown> {
    const stats = this.#fn(fn);
    stats.invocations++;
    const records = sqsRecords(event);
    if (records) {
      stats.sqsBatches++;
      stats.sqsMessages += records.length;
      const bytes = records.reduce((sum, r) => sum + Buffer.byteLength(r.body ?? ''), 0);
      stats.sqsReceiveChunks += Math.max(1, Math.ceil(bytes / SQS_CHUNK_BYTES));
    }
    this.#inFlight.set(fn, (this.#inFlight.get(fn) ?? 0) + 1);
    const started = performance.now();
    try {
      return await this.caller.run(fn, async () => await run());
    } finally {
      const ms = Math.ceil(performance.now() - started);
      stats.milliseconds += ms;
      stats.gbSeconds += (ms / 1000) * (memoryMiB / 1024);
      this.#inFlight.set(fn, (this.#inFlight.get(fn) ?? 1) - 1);
      if (ENGINE_FUNCTIONS.has(fn)) this.lastEngineActivity = Date.now();
    }
  }

  engineInFlight(): number {
    let n = 0;
    for (const [fn, count] of this.#inFlight) if (ENGINE_FUNCTIONS.has(fn)) n += count;
    return n;
  }

  reset(): void {
    this.#operations.clear();
    this.#functions.clear();
    requestCounter.reset();
  }

  snapshot(): Snapshot {
    const operations = new Map(
      [...this.#operations].map(
        ([fn, ops]) =>
          [
            fn,
            new Map(
              [...ops].map(([k, v]) => [
                k,
                { ...v, unitsByTarget: { ...v.unitsByTarget }, failed: { ...v.failed } },
              ]),
            ),
          ] as const,
      ),
    );
    const functions = new Map([...this.#functions].map(([fn, s]) => [fn, { ...s }] as const));
    return { operations, functions, requestCounter: requestCounter.snapshot() };
  }
}

function sqsRecords(event: unknown): { body?: string }[] | undefined {
  if (typeof event !== 'object' || event === null || !('Records' in event)) return undefined;
  const records = (event as { Records: unknown }).Records;
  if (!Array.isArray(records)) return undefined;
  return records.every((r) => (r as { eventSource?: string })?.eventSource === 'aws:sqs')
    ? (records as { body?: string }[])
    : undefined;
}

type Capacity = {
  CapacityUnits?: number;
  Table?: { CapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
};

/** Total units of a ConsumedCapacity (one or a list), and the split between table and GSIs. */
function capacityUnits(consumed: Capacity | Capacity[] | undefined): {
  total: number;
  byTarget: Record<string, number>;
} {
  const byTarget: Record<string, number> = {};
  let total = 0;
  for (const c of consumed ? (Array.isArray(consumed) ? consumed : [consumed]) : []) {
    total += c.CapacityUnits ?? 0;
    const indexes = Object.entries(c.GlobalSecondaryIndexes ?? {}).map(
      ([name, v]): [string, number | undefined] => [name, v.CapacityUnits],
    );
    for (const [target, units] of [['table', c.Table?.CapacityUnits] as const, ...indexes]) {
      if (units) byTarget[target] = (byTarget[target] ?? 0) + units;
    }
  }
  return { total, byTarget };
}

/** Asks DynamoDB for the capacity each request consumed (table and indexes) and records it. */
/** Reads an item's size without being counted (the benchmark's own client): undefined when absent. */
type ItemSizer = (table: string, key: Record<string, AttributeValue>) => Promise<number | undefined>;

type TransactItem = {
  Put?: { TableName?: string; Item?: Record<string, AttributeValue> };
  Update?: { TableName?: string; Key?: Record<string, AttributeValue> };
  Delete?: { TableName?: string; Key?: Record<string, AttributeValue> };
  ConditionCheck?: { TableName?: string; Key?: Record<string, AttributeValue> };
};

/**
 * The table, key and item (a Put's) of one transaction item, as attribute values: the document
 * client's requests may reach this plugin before they are marshalled.
 */
function transactTarget(item: TransactItem) {
  const op = item.Put ?? item.Update ?? item.Delete ?? item.ConditionCheck;
  const table = op?.TableName ?? '';
  if (item.Put?.Item) {
    const put = attributeValues(item.Put.Item);
    const { pk, sk } = put;
    return { table, key: { ...(pk ? { pk } : {}), ...(sk ? { sk } : {}) }, put };
  }
  return { table, key: attributeValues((op as { Key?: Record<string, unknown> } | undefined)?.Key ?? {}) };
}

const isAttributeValue = (value: unknown) =>
  typeof value === 'object' &&
  value !== null &&
  !(value instanceof Uint8Array) &&
  Object.keys(value).length === 1;

function attributeValues(item: Record<string, unknown>): Record<string, AttributeValue> {
  const values = Object.values(item);
  return values.length > 0 && values.every(isAttributeValue)
    ? (item as Record<string, AttributeValue>)
    : marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: true });
}

/**
 * The table's write units of a TransactWriteItems as DynamoDB bills them: each item twice its
 * own size in started kilobytes, the larger of before and after (DynamoDB Local reports fewer:
 * 2 units for two 900-byte items). Sizes are read around the request by the benchmark's client.
 */
async function transactionTableUnits(
  sizer: ItemSizer,
  items: TransactItem[],
  send: () => Promise<unknown>,
): Promise<{ result: unknown; units: number }> {
  const targets = items.map(transactTarget);
  const before = await Promise.all(targets.map((t) => sizer(t.table, t.key)));
  const result = await send();
  const after = await Promise.all(targets.map((t) => (t.put ? itemBytes(t.put) : sizer(t.table, t.key))));
  const units = targets.reduce(
    (sum, _t, i) => sum + transactionalWriteUnits(Math.max(before[i] ?? 0, after[i] ?? 0)),
    0,
  );
  return { result, units };
}

function capacityPlugin<I extends object, O extends MetadataBearer>(
  meter: Meter,
  sizer: ItemSizer,
): Pluggable<I, O> {
  return {
    applyToStack(stack) {
      stack.add(
        (next, context) => async (args) => {
          const operation = (context.commandName ?? '').replace(/Command$/, '');
          const kind = DYNAMODB_READS.has(operation)
            ? 'read'
            : DYNAMODB_WRITES.has(operation)
              ? 'write'
              : undefined;
          if (!kind) return next(args);
          (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'INDEXES';
          try {
            const transactItems =
              operation === 'TransactWriteItems'
                ? ((args.input as { TransactItems?: TransactItem[] }).TransactItems ?? [])
                : undefined;
            let result: Awaited<ReturnType<typeof next>>;
            let tableUnits: number | undefined;
            if (transactItems) {
              const measured = await transactionTableUnits(sizer, transactItems, () => next(args));
              result = measured.result as Awaited<ReturnType<typeof next>>;
              tableUnits = measured.units;
            } else {
              result = await next(args);
            }
            const output = result.output as { ConsumedCapacity?: Capacity | Capacity[] };
            const consumed = capacityUnits(output.ConsumedCapacity);
            if (tableUnits !== undefined) {
              // The indexes' units as reported; the table's as DynamoDB bills a transaction.
              consumed.total += tableUnits - (consumed.byTarget.table ?? 0);
              consumed.byTarget.table = tableUnits;
            }
            let units = consumed.total;
            // DynamoDB Local reports 0 for a Query or GetItem that finds nothing; AWS bills a
            // single-item read's minimum (0.5 unit eventually consistent, 1 strongly consistent).
            if (operation === 'GetItem' || operation === 'Query' || operation === 'Scan') {
              const consistent = (args.input as { ConsistentRead?: boolean }).ConsistentRead === true;
              const minimum = consistent ? 1 : 0.5;
              if (units < minimum) consumed.byTarget.table = (consumed.byTarget.table ?? 0) + minimum - units;
              units = Math.max(units, minimum);
            }
            meter.units(`DynamoDB.${operation}`, kind, units, consumed.byTarget);
            return result;
          } catch (error) {
            meter.failed(`DynamoDB.${operation}`, error);
            throw error;
          }
        },
        { step: 'initialize', name: 'rondoBenchCapacity' },
      );
    },
  };
}

/** Records each SQS request as billed: one request per started 64 KB of message bodies. */
function sqsBillingPlugin<I extends object, O extends MetadataBearer>(meter: Meter): Pluggable<I, O> {
  return {
    applyToStack(stack) {
      stack.add(
        (next, context) => async (args) => {
          const operation = (context.commandName ?? '').replace(/Command$/, '');
          const input = args.input as { MessageBody?: string; Entries?: { MessageBody?: string }[] };
          const bodies = input.Entries?.map((e) => e.MessageBody ?? '') ?? [input.MessageBody ?? ''];
          const bytes = bodies.reduce((sum, b) => sum + Buffer.byteLength(b), 0);
          meter.billed(`SQS.${operation}`, Math.max(1, Math.ceil(bytes / SQS_CHUNK_BYTES)));
          return next(args);
        },
        { step: 'initialize', name: 'rondoBenchSqsBilling' },
      );
    },
  };
}

/** Records each PutEvents request as the events it puts (EventBridge bills per event, per 64 KB). */
function eventBillingPlugin<I extends object, O extends MetadataBearer>(meter: Meter): Pluggable<I, O> {
  return {
    applyToStack(stack) {
      stack.add(
        (next, context) => async (args) => {
          const operation = (context.commandName ?? '').replace(/Command$/, '');
          const entries = (args.input as { Entries?: unknown[] }).Entries ?? [];
          if (operation === 'PutEvents') meter.billed('EventBridge.PutEvents', entries.length);
          return next(args);
        },
        { step: 'initialize', name: 'rondoBenchEventBilling' },
      );
    },
  };
}

async function instrument(runtime: Runtime, meter: Meter): Promise<void> {
  // Every handler's AWS client reports to the process-wide counter: attribute each report to
  // the function it runs in (AsyncLocalStorage follows the handler's async work).
  const add = requestCounter.add.bind(requestCounter);
  requestCounter.add = (service, operation) => {
    add(service, operation);
    meter.request(`${service}.${operation}`);
  };
  // The handlers' clients are module singletons, created at import with the runtime's environment.
  const clients = await import('#functions/commons/clients.ts');
  // The benchmark's own client (not counted) reads item sizes around each transaction.
  const sizes = new DynamoDBClient({
    endpoint: runtime.dynamoDbEndpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const sizer: ItemSizer = async (table, key) => {
    const out = await sizes.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }));
    return out.Item ? itemBytes(out.Item) : undefined;
  };
  clients.dynamoDb.middlewareStack.use(capacityPlugin(meter, sizer));
  clients.sqs.middlewareStack.use(sqsBillingPlugin(meter));
  clients.eventBridge.middlewareStack.use(eventBillingPlugin(meter));
  // Re-register each Rondo function with a wrapper (same handler module, same timeout).
  for (const [name, spec] of Object.entries(FUNCTIONS) as [FunctionName, FunctionSpec][]) {
    const module = (await import(pathToFileURL(join(PROJECT_ROOT, spec.entry)).href)) as {
      handler: LambdaHandler;
    };
    const original = module.handler;
    runtime.lambda.register(
      `${RESOURCE_PREFIX}-${name}`,
      (event, context) => meter.invoke(name, spec.memoryMiB, event, () => original(event, context)),
      spec.timeoutSeconds,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Running one workload.

type Transition = { status: string; at: string };
type InstanceView = {
  id: string;
  taskId: string;
  status: string;
  accumulatedRuns: number;
  transitions: Transition[];
  upstream: { taskId: string }[];
};
type RunView = { id: string; status: string; createdAt: string; endTime?: string; unfinished: number };

async function api<T>(apiUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const POLL_MS = 500;
const QUIET_MS = 1500;

type Measured = {
  workload: Workload;
  run: RunView;
  wallMs: number;
  polls: number;
  snapshot: Snapshot;
  /** State-machine executions started during the run. */
  executions: number;
  /** State transitions counted by the local Step Functions during the run. */
  transitions: number;
  instances: InstanceView[];
};

async function measure(
  runtime: Runtime,
  meter: Meter,
  workload: Workload,
  timeoutMs: number,
): Promise<Measured> {
  const { apiUrl } = runtime;
  await api(apiUrl, 'PUT', `/v1/workflows/${workload.definition.id}`, workload.definition);
  // Let anything left from the previous workload settle before counting.
  await quiesce(meter, 10_000);
  const executionsBefore = runtime.stepFunctions.list().length;
  const transitionsBefore = runtime.stepFunctions.transitions;
  meter.reset();
  const firedAt = Date.now();
  if (workload.backfill) {
    const { from, to, parallelism } = workload.backfill;
    // As an operator starts one: through the API (its calls are overhead, not counted per instance).
    const created = await api<{ id: string }>(
      apiUrl,
      'POST',
      `/v1/workflows/${workload.definition.id}/backfills`,
      {
        from,
        to,
        order: 'ASC',
        parallelism,
      },
    );
    let polls = 0;
    let backfill: { id: string; status: string };
    for (;;) {
      polls++;
      backfill = await api<{ id: string; status: string }>(apiUrl, 'GET', `/v1/backfills/${created.id}`);
      if (backfill.status !== 'RUNNING') break;
      if (Date.now() - firedAt > timeoutMs)
        throw new Error(`${workload.name}: backfill still RUNNING after ${timeoutMs / 1000}s`);
      await sleep(POLL_MS);
    }
    const endedAt = Date.now();
    await quiesce(meter, 30_000);
    const snapshot = meter.snapshot();
    const instances = await listInstances(apiUrl, workload.definition.id);
    return {
      workload,
      run: {
        id: backfill.id,
        status: backfill.status,
        createdAt: new Date(firedAt).toISOString(),
        unfinished: 0,
      },
      wallMs: endedAt - firedAt,
      polls,
      snapshot,
      executions: runtime.stepFunctions.list().length - executionsBefore,
      transitions: runtime.stepFunctions.transitions - transitionsBefore,
      instances,
    };
  }
  const fired = (await runtime.lambda.invoke(`${RESOURCE_PREFIX}-create-run`, {
    workflowId: workload.definition.id,
    scheduledTime: new Date(Date.UTC(2026, 0, 1)).toISOString(),
  })) as { runId: string; created: boolean };
  if (!fired.created) throw new Error(`${workload.name}: run ${fired.runId} already existed`);
  let polls = 0;
  let run: RunView;
  for (;;) {
    polls++;
    run = await api<RunView>(apiUrl, 'GET', `/v1/runs/${encodeURIComponent(fired.runId)}`);
    if (run.status !== 'RUNNING') break;
    if (Date.now() - firedAt > timeoutMs) {
      throw new Error(
        `${workload.name}: still RUNNING after ${timeoutMs / 1000}s (${run.unfinished} unfinished)`,
      );
    }
    await sleep(POLL_MS);
  }
  const endedAt = run.endTime ? Date.parse(run.endTime) : Date.now();
  // Messages still in flight (a last DeleteMessageBatch, a redelivery) belong to this run.
  await quiesce(meter, 30_000);
  const snapshot = meter.snapshot();
  const executions = runtime.stepFunctions.list().length - executionsBefore;
  const transitions = runtime.stepFunctions.transitions - transitionsBefore;
  const instances = await listInstances(apiUrl, workload.definition.id);
  return { workload, run, wallMs: endedAt - firedAt, polls, snapshot, executions, transitions, instances };
}

/** Waits until no engine function has run for QUIET_MS (or `limitMs` passes). */
async function quiesce(meter: Meter, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if (meter.engineInFlight() === 0 && Date.now() - meter.lastEngineActivity >= QUIET_MS) return;
    await sleep(100);
  }
}

async function listInstances(apiUrl: string, workflowId: string): Promise<InstanceView[]> {
  const all: InstanceView[] = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ workflowId, limit: '500', ...(cursor ? { cursor } : {}) });
    const page = await api<{ items: InstanceView[]; cursor?: string }>(
      apiUrl,
      'GET',
      `/v1/instances?${query}`,
    );
    all.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return all;
}

// ---------------------------------------------------------------------------------------------
// Figures.

type Check = { target: string; limit: string; value: number; pass: boolean };
type OperationRow = {
  perInstance: number;
  byFunction: Record<string, number>;
  readUnitsPerInstance?: number;
  writeUnitsPerInstance?: number;
  /** DynamoDB units per instance by where they were spent (`table`, GSI names). */
  unitsByTargetPerInstance?: Record<string, number>;
  /** Failed requests (not per instance), by `function: error name`. */
  failed?: Record<string, number>;
};

type WorkloadResult = {
  name: string;
  shape: string;
  instances: number;
  edges: number;
  edgesPerTask: number;
  runId: string;
  runStatus: string;
  wallSeconds: number;
  instancesPerMinute: number;
  hopLatencyMs: { p50: number; p95: number; p99: number; max: number; edges: number };
  perInstance: {
    dynamodbReads: number;
    dynamodbWrites: number;
    sqsRequests: number;
    lambdaInvocations: number;
    sfnTransitions: number;
    dynamodbReadUnits: number;
    dynamodbWriteUnits: number;
    sqsRequestsByHandlers: number;
    sqsRequestsByPollersEstimated: number;
    sqsBilledRequests: number;
    lambdaGbSeconds: number;
    schedulerInvocations: number;
  };
  costPerMillionUsd: number;
  costPerMillionUsdByService: Record<string, number>;
  checks: Check[];
  operations: Record<string, OperationRow>;
  functions: Record<
    string,
    { invocations: number; perInstance: number; avgMs: number; gbSeconds: number; sqsBatches: number }
  >;
  overhead: {
    apiPolls: number;
    apiRequests: Record<string, number>;
    reconcileInvocations: number;
    reconcileRequests: Record<string, number>;
  };
  requestCounterTotals: Record<string, number>;
  anomalies: { notSuccess: number; retried: number; stepFunctionsExecutions: number };
  /** Mean size of an instance as the API returns it (JSON): a proxy for its DynamoDB item size. */
  averageInstanceJsonBytes: number;
};

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? 0;
}

function hopLatencies(instances: InstanceView[]): number[] {
  // By instance id: a backfill's runs share task ids, and an edge stays within its run.
  const byId = new Map(instances.map((i) => [i.id, i]));

  const at = (i: InstanceView | undefined, status: string) => {
    const t = i?.transitions.find((x) => x.status === status);
    return t ? Date.parse(t.at) : undefined;
  };
  const hops: number[] = [];
  for (const instance of instances) {
    const running = at(instance, 'RUNNING');
    for (const edge of instance.upstream) {
      const runId = parseInstanceId(instance.id)?.runId;
      const finished = runId ? at(byId.get(instanceId(runId, edge.taskId)), 'SUCCESS') : undefined;
      if (running !== undefined && finished !== undefined) hops.push(running - finished);
    }
  }
  return hops.sort((a, b) => a - b);
}

function summarize(m: Measured): WorkloadResult {
  const n = m.workload.instances ?? m.workload.tasks;
  const per = (x: number) => round(x / n);
  const engine = [...m.snapshot.operations].filter(([fn]) => ENGINE_FUNCTIONS.has(fn));
  const operations: Record<string, OperationRow> = {};
  let reads = 0;
  let writes = 0;
  let readUnits = 0;
  let writeUnits = 0;
  let sqsByHandlers = 0;
  let sqsBilledByHandlers = 0;
  let events = 0;
  for (const [fn, ops] of engine) {
    for (const [operation, s] of ops) {
      const row = operations[operation] ?? { perInstance: 0, byFunction: {} };
      operations[operation] = row;
      row.perInstance += s.requests;
      row.byFunction[fn] = (row.byFunction[fn] ?? 0) + s.requests;
      const [service, op] = operation.split('.') as [string, string];
      if (service === 'DynamoDB') {
        if (DYNAMODB_READS.has(op)) reads += s.requests;
        if (DYNAMODB_WRITES.has(op)) writes += s.requests;
        readUnits += s.readUnits;
        writeUnits += s.writeUnits;
        if (DYNAMODB_READS.has(op)) row.readUnitsPerInstance = (row.readUnitsPerInstance ?? 0) + s.readUnits;
        if (DYNAMODB_WRITES.has(op))
          row.writeUnitsPerInstance = (row.writeUnitsPerInstance ?? 0) + s.writeUnits;
        for (const [name, count] of Object.entries(s.failed)) {
          row.failed = { ...row.failed, [`${fn}: ${name}`]: (row.failed?.[`${fn}: ${name}`] ?? 0) + count };
        }
        const targets = row.unitsByTargetPerInstance ?? {};
        for (const [target, u] of Object.entries(s.unitsByTarget))
          targets[target] = (targets[target] ?? 0) + u;
        row.unitsByTargetPerInstance = targets;
      }
      if (service === 'SQS') {
        sqsByHandlers += s.requests;
        sqsBilledByHandlers += s.billedRequests;
      }
      if (service === 'EventBridge') events += s.billedRequests;
    }
  }
  for (const row of Object.values(operations)) {
    row.perInstance = per(row.perInstance);
    row.byFunction = Object.fromEntries(Object.entries(row.byFunction).map(([fn, v]) => [fn, per(v)]));
    if (row.readUnitsPerInstance !== undefined) row.readUnitsPerInstance = per(row.readUnitsPerInstance);
    if (row.writeUnitsPerInstance !== undefined) row.writeUnitsPerInstance = per(row.writeUnitsPerInstance);
    if (row.unitsByTargetPerInstance) {
      row.unitsByTargetPerInstance = Object.fromEntries(
        Object.entries(row.unitsByTargetPerInstance)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([t, v]) => [t, per(v)]),
      );
    }
  }
  const functions: WorkloadResult['functions'] = {};
  let invocations = 0;
  let gbSeconds = 0;
  let batches = 0;
  let receiveChunks = 0;
  for (const [fn, s] of m.snapshot.functions) {
    functions[fn] = {
      invocations: s.invocations,
      perInstance: per(s.invocations),
      avgMs: round(s.milliseconds / Math.max(1, s.invocations), 1),
      gbSeconds: round(s.gbSeconds, 4),
      sqsBatches: s.sqsBatches,
    };
    if (!ENGINE_FUNCTIONS.has(fn)) continue;
    invocations += s.invocations;
    gbSeconds += s.gbSeconds;
    batches += s.sqsBatches;
    receiveChunks += s.sqsReceiveChunks;
  }
  // The event-source-mapping pollers' own requests (their client is not instrumented): one
  // ReceiveMessage and one DeleteMessageBatch per batch delivered. Empty polls are not per instance.
  const sqsByPollers = 2 * batches;
  const sqsBilled = sqsBilledByHandlers + receiveChunks + batches;
  const transitions = m.transitions;
  // A backfill's runs are started by the backfill itself, not by Scheduler.
  const schedulerInvocations = m.workload.backfill ? 0 : 1;

  const cost = {
    dynamodb:
      writeUnits * PRICES.dynamoDbWriteRequestUnit.usd + readUnits * PRICES.dynamoDbReadRequestUnit.usd,
    sqs: sqsBilled * PRICES.sqsStandardRequest.usd,
    lambda: invocations * PRICES.lambdaRequest.usd + gbSeconds * PRICES.lambdaArmGbSecond.usd,
    stepFunctions: transitions * PRICES.stepFunctionsStateTransition.usd,
    scheduler: schedulerInvocations * PRICES.schedulerInvocation.usd,
    eventBridge: events * PRICES.eventBridgeCustomEvent.usd,
  };
  const perMillion = (usd: number) => round((usd / n) * 1e6, 3);
  const costPerMillionUsdByService = Object.fromEntries(
    Object.entries(cost).map(([service, usd]) => [service, perMillion(usd)]),
  );
  const costPerMillionUsd = perMillion(Object.values(cost).reduce((a, b) => a + b, 0));

  const hops = hopLatencies(m.instances);
  const perInstance = {
    dynamodbReads: per(reads),
    dynamodbWrites: per(writes),
    sqsRequests: per(sqsByHandlers + sqsByPollers),
    lambdaInvocations: per(invocations),
    sfnTransitions: per(transitions),
    dynamodbReadUnits: per(readUnits),
    dynamodbWriteUnits: per(writeUnits),
    sqsRequestsByHandlers: per(sqsByHandlers),
    sqsRequestsByPollersEstimated: per(sqsByPollers),
    sqsBilledRequests: per(sqsBilled),
    lambdaGbSeconds: round(gbSeconds / n, 6),
    schedulerInvocations: per(schedulerInvocations),
  };
  const checks: Check[] = [
    { target: 'DynamoDB writes / instance', limit: '≤ 6', value: perInstance.dynamodbWrites, pass: false },
    { target: 'DynamoDB reads / instance', limit: '≤ 4', value: perInstance.dynamodbReads, pass: false },
    {
      target: 'Step Functions transitions / instance',
      limit: m.workload.maxTransitionsPerInstance === 0 ? '= 0' : `≤ ${m.workload.maxTransitionsPerInstance}`,
      value: perInstance.sfnTransitions,
      pass: false,
    },
    { target: 'cost / million instances (USD)', limit: '≤ 5', value: costPerMillionUsd, pass: false },
  ];
  const limits = [6, 4, m.workload.maxTransitionsPerInstance, 5];
  checks.forEach((c, i) => {
    c.pass = c.value <= (limits[i] ?? 0);
  });
  const overheadOf = (fn: string) =>
    Object.fromEntries(
      [...(m.snapshot.operations.get(fn) ?? new Map<string, OperationStats>())].map(([k, v]) => [
        k,
        v.requests,
      ]),
    );

  return {
    name: m.workload.name,
    shape: m.workload.shape,
    instances: n,
    edges: m.workload.edges,
    edgesPerTask: round(m.workload.edges / n, 2),
    runId: m.run.id,
    runStatus: m.run.status,
    wallSeconds: round(m.wallMs / 1000, 2),
    instancesPerMinute: round((n / m.wallMs) * 60_000, 0),
    hopLatencyMs: {
      p50: percentile(hops, 50),
      p95: percentile(hops, 95),
      p99: percentile(hops, 99),
      max: hops.at(-1) ?? 0,
      edges: hops.length,
    },
    perInstance,
    costPerMillionUsd,
    costPerMillionUsdByService,
    checks,
    operations: Object.fromEntries(
      Object.entries(operations).sort(([, a], [, b]) => b.perInstance - a.perInstance),
    ),
    functions,
    overhead: {
      apiPolls: m.polls,
      apiRequests: overheadOf('api'),
      reconcileInvocations: m.snapshot.functions.get('reconcile')?.invocations ?? 0,
      reconcileRequests: overheadOf('reconcile'),
    },
    requestCounterTotals: m.snapshot.requestCounter,
    anomalies: {
      notSuccess: m.instances.filter((i) => i.status !== 'SUCCESS').length,
      retried: m.instances.filter((i) => i.accumulatedRuns !== 1).length,
      stepFunctionsExecutions: m.executions,
    },
    averageInstanceJsonBytes: Math.round(
      m.instances.reduce((sum, i) => sum + Buffer.byteLength(JSON.stringify(i)), 0) /
        Math.max(1, m.instances.length),
    ),
  };
}

// ---------------------------------------------------------------------------------------------
// Output.

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const fmt = (n: number, digits = 2) => n.toFixed(digits);

function scalingTable(rows: ScalingRow[]): string {
  if (rows.length === 0) return 'Scaling: no series of two or more sizes in this run.';
  const sizes = rows[0]?.values.map((v) => `${v.workload} (${v.instances})`) ?? [];
  return table(
    ['per instance', ...sizes, 'growth from the smallest', `flag (> ${SCALING_TOLERANCE * 100}%)`],
    rows.map((row) => [
      row.figure,
      ...row.values.map((v) => fmt(v.value)),
      `${row.growthPercent}%`,
      row.flagged ? 'FLAG' : 'flat',
    ]),
  );
}

function report(machine: Machine, command: string, results: WorkloadResult[]): string {
  const names = results.map((r) => r.name);
  const main = table(
    ['figure', ...names],
    [
      ['instances (edges)', ...results.map((r) => `${r.instances} (${r.edges})`)],
      ['wall seconds', ...results.map((r) => fmt(r.wallSeconds))],
      ['instances / minute', ...results.map((r) => String(r.instancesPerMinute))],
      [
        'hop latency p50 / p95 / p99 ms',
        ...results.map((r) => {
          const h = r.hopLatencyMs;
          return `${h.p50} / ${h.p95} / ${h.p99}`;
        }),
      ],
      [
        'DynamoDB writes / instance (WRU)',
        ...results.map((r) => {
          const p = r.perInstance;
          return `${fmt(p.dynamodbWrites)} (${fmt(p.dynamodbWriteUnits)})`;
        }),
      ],
      [
        'DynamoDB reads / instance (RRU)',
        ...results.map((r) => {
          const p = r.perInstance;
          return `${fmt(p.dynamodbReads)} (${fmt(p.dynamodbReadUnits)})`;
        }),
      ],
      [
        'SQS requests / instance (billed)',
        ...results.map((r) => {
          const p = r.perInstance;
          return `${fmt(p.sqsRequests)} (${fmt(p.sqsBilledRequests)})`;
        }),
      ],
      ['Lambda invocations / instance', ...results.map((r) => fmt(r.perInstance.lambdaInvocations))],
      ['Lambda GB-s / instance', ...results.map((r) => r.perInstance.lambdaGbSeconds.toFixed(4))],
      ['Step Functions transitions / instance', ...results.map((r) => fmt(r.perInstance.sfnTransitions))],
      ['cost USD / million instances', ...results.map((r) => fmt(r.costPerMillionUsd))],
      ...['dynamodb', 'sqs', 'lambda', 'stepFunctions', 'scheduler', 'eventBridge'].map((service) => [
        `  of which ${service}`,
        ...results.map((r) => fmt(r.costPerMillionUsdByService[service] ?? 0)),
      ]),
    ],
  );
  const checks = table(
    ['target', 'limit', ...names],
    (results[0]?.checks ?? []).map((c, i) => [
      c.target,
      c.limit,
      ...results.map((r) => {
        const check = r.checks[i];
        if (!check) return '';
        // A workload with its own limit (a for-each may use a few transitions per iteration) says so.
        const own = check.limit === c.limit ? '' : ` (${check.limit})`;
        return `${fmt(check.value)} ${check.pass ? 'PASS' : 'FAIL'}${own}`;
      }),
    ]),
  );
  const operations = new Set(results.flatMap((r) => Object.keys(r.operations)));
  const breakdown = table(
    [
      'operation (per instance)',
      ...names,
      `by function (${names[0] ?? ''})`,
      `units by table / GSI (${names[0] ?? ''})`,
    ],
    [...operations]
      .sort(
        (a, b) =>
          (results[0]?.operations[b]?.perInstance ?? 0) - (results[0]?.operations[a]?.perInstance ?? 0),
      )
      .map((op) => {
        const first = results[0]?.operations[op];
        const units = (row: OperationRow | undefined) => {
          if (!row) return '-';
          const u =
            row.writeUnitsPerInstance !== undefined
              ? ` (${fmt(row.writeUnitsPerInstance)} WRU)`
              : row.readUnitsPerInstance !== undefined
                ? ` (${fmt(row.readUnitsPerInstance)} RRU)`
                : '';
          return `${row.perInstance.toFixed(3)}${u}`;
        };
        const byFunction = Object.entries(first?.byFunction ?? {})
          .sort(([, a], [, b]) => b - a)
          .map(([fn, v]) => `${fn} ${v.toFixed(3)}`)
          .join(', ');
        const byTarget = Object.entries(first?.unitsByTargetPerInstance ?? {})
          .map(([target, v]) => `${target} ${fmt(v)}`)
          .join(', ');
        return [op, ...results.map((r) => units(r.operations[op])), byFunction, byTarget || '-'];
      }),
  );
  const functions = table(
    ['function', ...names.map((n) => `${n}: calls/instance, avg ms`)],
    [...new Set(results.flatMap((r) => Object.keys(r.functions)))].sort().map((fn) => [
      ENGINE_FUNCTIONS.has(fn) ? fn : `${fn} (overhead)`,
      ...results.map((r) => {
        const f = r.functions[fn];
        return f ? `${f.invocations} = ${fmt(f.perInstance, 3)}, ${fmt(f.avgMs, 1)}` : '-';
      }),
    ]),
  );
  const overhead = results
    .map((r) => {
      const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
      const { apiPolls, apiRequests, reconcileInvocations, reconcileRequests } = r.overhead;
      return (
        `- ${r.name}: ${apiPolls} polls of its run (or backfill), with the backfill's start, made ${sum(apiRequests)} ` +
        `API-handler requests (${describe(apiRequests)}); ${reconcileInvocations} ` +
        `reconciler sweep(s) made ${sum(reconcileRequests)} (${describe(reconcileRequests)}). ` +
        `Excluded from the per-instance figures. Anomalies: ${r.anomalies.notSuccess} not SUCCESS, ` +
        `${r.anomalies.retried} with more than one attempt, ${r.anomalies.stepFunctionsExecutions} state-machine ` +
        `executions. Failed requests: ${failures(r)}. Mean instance size (API JSON): ` +
        `${r.averageInstanceJsonBytes} bytes.`
      );
    })
    .join('\n');
  return [
    `Command: \`${command}\``,
    '',
    `Machine: Node ${machine.node}, ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, ` +
      `${machine.platform}`,
    '',
    main,
    '',
    'Targets:',
    '',
    checks,
    '',
    'Requests per instance by operation (DynamoDB units measured from ConsumedCapacity, GSIs included):',
    '',
    breakdown,
    '',
    'Function invocations:',
    '',
    functions,
    '',
    overhead,
  ].join('\n');
}

const failures = (r: WorkloadResult) =>
  Object.entries(r.operations)
    .flatMap(([op, row]) => Object.entries(row.failed ?? {}).map(([what, n]) => `${op} in ${what} ${n}`))
    .join(', ') || 'none';

const describe = (o: Record<string, number>) =>
  Object.entries(o)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';

type Machine = { node: string; cpus: number; memoryGiB: number; platform: string; cpuModel: string };

function machineInfo(): Machine {
  const cpus = os.cpus();
  return {
    node: process.versions.node,
    cpus: cpus.length,
    memoryGiB: round(os.totalmem() / 1024 ** 3, 1),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
  };
}

const RECORD_BEGIN = '<!-- bench:begin (generated by `npm run bench -- --record`) -->';
const RECORD_END = '<!-- bench:end -->';

async function record(markdown: string): Promise<void> {
  const path = join(PROJECT_ROOT, 'docs', 'benchmarks.md');
  const doc = await readFile(path, 'utf8');
  const begin = doc.indexOf(RECORD_BEGIN);
  const end = doc.indexOf(RECORD_END);
  if (begin < 0 || end < begin)
    throw new Error(`docs/benchmarks.md has no ${RECORD_BEGIN} … ${RECORD_END} block`);
  await writeFile(path, `${doc.slice(0, begin + RECORD_BEGIN.length)}\n\n${markdown}\n\n${doc.slice(end)}`);
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const args = new Set(process.argv.slice(2));
  let statusEvents: StatusEventLevel | undefined;
  for (const arg of args) {
    const level = /^--status-events=(.*)$/.exec(arg)?.[1];
    if (level !== undefined) {
      if (!(STATUS_EVENT_LEVELS as readonly string[]).includes(level))
        throw new Error(`--status-events must be one of ${STATUS_EVENT_LEVELS.join(', ')}`);
      statusEvents = level as StatusEventLevel;
    } else if (!['--quick', '--check', '--record'].includes(arg)) {
      throw new Error(`unknown argument ${arg}`);
    }
  }
  if (statusEvents && args.has('--record'))
    throw new Error('--record keeps the default figures: run --status-events without it');
  const quick = args.has('--quick');
  const command = `npm run bench${args.size ? ` -- ${[...args].join(' ')}` : ''}`;
  const errors: string[] = [];
  const started = Date.now();
  const runtime = await startRuntime({
    port: 0,
    logLevel: 'ERROR',
    // The deployment setting (default ALL): which status changes become events.
    ...(statusEvents ? { statusEvents } : {}),
    onError: (source, error) => {
      errors.push(`${source}: ${error instanceof Error ? error.message : String(error)}`);
    },
  });
  const meter = new Meter();
  const results: WorkloadResult[] = [];
  const workloadsRun = workloads(quick);
  try {
    await instrument(runtime, meter);
    for (const workload of workloadsRun) {
      console.error(`running ${workload.name} (${workload.shape})…`);
      const measured = await measure(runtime, meter, workload, quick ? 60_000 : 3_600_000);
      results.push(summarize(measured));
    }
  } finally {
    await runtime.stop();
  }
  const machine = machineInfo();
  const output = {
    generatedAt: new Date().toISOString(),
    command,
    totalSeconds: round((Date.now() - started) / 1000, 1),
    machine,
    assumptions: {
      dynamodb:
        'reads = GetItem, BatchGetItem, Query, Scan, TransactGetItems requests; writes = PutItem, ' +
        'UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems requests (one each); units are the ' +
        'ConsumedCapacity DynamoDB Local reports (ReturnConsumedCapacity INDEXES: table + GSIs, ' +
        'transactions doubled), reads floored at 0.5/1 unit; cost uses units',
      sqs:
        "handlers' SQS requests as counted + 2 per batch delivered by the event-source-mapping pollers " +
        '(ReceiveMessage + DeleteMessageBatch); billed = one per started 64 KB of bodies',
      lambda:
        'invocations of create-run, dispatch, resolve, retry-attempt, loop, ingest-event, status-events; GB-s from measured ' +
        'local duration (ms, rounded up) × configured memory, priced as arm64',
      stepFunctions:
        'state transitions as the local Step Functions counts them: states entered, including each ' +
        "iteration's states in a distributed Map's child executions",
      scheduler: 'one EventBridge Scheduler invocation per run',
      eventBridge:
        'status-change events put on the bus (one per instance or run status change), each under 64 KB',
      excluded: "the benchmark's own API polling (api function) and the reconciler's sweeps",
    },
    prices: Object.fromEntries(Object.entries(PRICES).map(([k, p]) => [k, { usd: p.usd, unit: p.unit }])),
    handlerErrors: errors,
    workloads: results,
    scaling: scalingCheck(results.map((result, i) => ({ ...result, series: workloadsRun[i]?.series }))),
  };
  const dir = join(PROJECT_ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'latest.json'), `${JSON.stringify(output, null, 2)}\n`);
  const markdown = `${report(machine, command, results)}\n\nScaling check (${output.scaling[0]?.series ?? 'none'}):\n\n${scalingTable(output.scaling)}`;
  console.log(markdown);
  if (errors.length) console.log(`\n${errors.length} handler error(s):\n${errors.slice(0, 10).join('\n')}`);
  console.log(`\nWrote bench/results/latest.json (${output.totalSeconds}s in all).`);
  if (args.has('--record')) {
    await record(markdown);
    console.log('Recorded the tables in docs/benchmarks.md.');
  }
  const failed = [
    ...results.flatMap((r) => r.checks.filter((c) => !c.pass).map((c) => `${r.name}: ${c.target}`)),
    ...output.scaling
      .filter((row) => row.flagged)
      .map((row) => `${row.series}: ${row.figure} grows ${row.growthPercent}%`),
  ];
  if (failed.length) console.log(`\nFAIL: ${failed.join('; ')}`);
  return args.has('--check') && failed.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
