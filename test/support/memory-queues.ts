// In-memory stand-ins for the engine's messaging: the dispatch and completion work queues
// (SQS in AWS) and the retry runner (the runner state machine), plus a driver that delivers
// what they hold to the engine's handlers in a seeded random order, optionally twice each
// (at-least-once delivery) and several at once, until nothing is left to deliver.
import { dispatchInstance, runRetryAttempt } from '#shared/engine/attempts.ts';
import type { EngineDeps } from '#shared/engine/deps.ts';
import { resolveFinishedInstance } from '#shared/engine/resolve.ts';
import type { CompletionMessage, DispatchMessage, WorkQueue } from '#shared/ports/queue.ts';
import type { RetryRunner } from '#shared/ports/retry-runner.ts';
import { seededRandom } from '#shared/util/seeded-random.ts';

export { seededRandom };

export type RetryRequest = Parameters<RetryRunner['startRetry']>[0];

export type Message =
  | { kind: 'dispatch'; instanceId: string }
  | { kind: 'completion'; instanceId: string }
  | { kind: 'retry'; instanceId: string; attempt: number; waitSeconds: number };

export type MessageKind = Message['kind'];

/** A message waiting for delivery; `redelivery` marks the second copy of a duplicated one. */
export type Pending = { message: Message; redelivery: boolean };

export type MemoryQueues = {
  dispatchQueue: WorkQueue<DispatchMessage>;
  completionQueue: WorkQueue<CompletionMessage>;
  retryRunner: RetryRunner;
  /** Messages sent and not delivered yet, oldest first. */
  pending: Pending[];
  /** Every message ever sent, in order (retries once per started execution). */
  sent: Message[];
  /** Every retry the engine asked for, duplicated starts included, in order. */
  retryRequests: RetryRequest[];
  /** Takes the pending messages that `filter` accepts (all by default) out of the queues. */
  take(filter?: (message: Message) => boolean): Message[];
};

export function createMemoryQueues(): MemoryQueues {
  const pending: Pending[] = [];
  const sent: Message[] = [];
  const retryRequests: RetryRequest[] = [];
  const startedRetries = new Set<string>();
  const enqueue = (message: Message) => {
    sent.push(message);
    pending.push({ message, redelivery: false });
  };
  return {
    pending,
    sent,
    retryRequests,
    dispatchQueue: {
      async send(messages) {
        for (const m of messages) enqueue({ kind: 'dispatch', instanceId: m.instanceId });
      },
    },
    completionQueue: {
      async send(messages) {
        for (const m of messages) enqueue({ kind: 'completion', instanceId: m.instanceId });
      },
    },
    retryRunner: {
      async startRetry(request) {
        retryRequests.push({ ...request });
        // Step Functions names an execution after (instance, attempt[, restart]): a second
        // start of the same name is a no-op.
        const name = `${request.instanceId}#${request.attempt}#${request.restart ?? ''}`;
        if (startedRetries.has(name)) return;
        startedRetries.add(name);
        enqueue({
          kind: 'retry',
          instanceId: request.instanceId,
          attempt: request.attempt,
          waitSeconds: request.waitSeconds,
        });
      },
    },
    take(filter = () => true) {
      const taken: Message[] = [];
      for (let i = 0; i < pending.length; ) {
        const entry = pending[i];
        if (entry && filter(entry.message)) {
          taken.push(entry.message);
          pending.splice(i, 1);
        } else {
          i++;
        }
      }
      return taken;
    },
  };
}

/** Fisher–Yates with the given generator; answers a new array. */
export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export type PumpDeps = EngineDeps;

/** Hands one message to the engine function its consumer calls. */
export async function deliver(deps: PumpDeps, message: Message): Promise<void> {
  try {
    switch (message.kind) {
      case 'dispatch':
        await dispatchInstance(deps, message.instanceId);
        return;
      case 'completion':
        await resolveFinishedInstance(deps, message.instanceId);
        return;
      case 'retry':
        await runRetryAttempt(deps, message.instanceId, message.attempt);
        return;
    }
  } catch (error) {
    throw new Error(`delivering ${JSON.stringify(message)} failed: ${String(error)}`, { cause: error });
  }
}

/** Delivers `messages` all at once: their handlers interleave at every store call. */
export async function deliverConcurrently(deps: PumpDeps, messages: readonly Message[]): Promise<void> {
  const results = await Promise.allSettled(messages.map((m) => deliver(deps, m)));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
}

export type PumpOptions = {
  /** Chooses which pending message goes next (and where a duplicate lands). */
  random: () => number;
  /** Delivers every message twice: the copy stays pending and goes at a random later turn. */
  duplicate?: boolean;
  /** How many messages are delivered at once (handlers interleave); 1 by default. */
  concurrency?: number;
  /** Called before each turn, e.g. to advance a fake clock. */
  beforeTurn?: () => void;
  /** Fails instead of looping forever when messages keep coming; 100,000 by default. */
  maxDeliveries?: number;
};

export type PumpReport = { delivered: number; byKind: Record<MessageKind, number> };

/** Delivers pending messages, and those their handlers send, until none is left. */
export async function pump(deps: PumpDeps, queues: MemoryQueues, options: PumpOptions): Promise<PumpReport> {
  const { random, duplicate = false, concurrency = 1, maxDeliveries = 100_000 } = options;
  const report: PumpReport = { delivered: 0, byKind: { dispatch: 0, completion: 0, retry: 0 } };
  while (queues.pending.length > 0) {
    options.beforeTurn?.();
    const turn: Message[] = [];
    const size = 1 + Math.floor(random() * Math.max(1, concurrency));
    while (turn.length < size && queues.pending.length > 0) {
      const index = Math.floor(random() * queues.pending.length);
      const [entry] = queues.pending.splice(index, 1);
      if (!entry) break;
      turn.push(entry.message);
      if (duplicate && !entry.redelivery) queues.pending.push({ message: entry.message, redelivery: true });
    }
    report.delivered += turn.length;
    for (const message of turn) report.byKind[message.kind]++;
    if (report.delivered > maxDeliveries) {
      throw new Error(
        `more than ${maxDeliveries} deliveries (${JSON.stringify(report.byKind)}) and still ` +
          `${queues.pending.length} messages pending; sent most: ${mostSent(queues.sent, 3)}`,
      );
    }
    if (turn.length === 1 && turn[0]) await deliver(deps, turn[0]);
    else await deliverConcurrently(deps, turn);
  }
  return report;
}

/** The `count` messages sent most often, as `kind id ×n`, for failure messages. */
export function mostSent(sent: readonly Message[], count: number): string {
  const counts = new Map<string, number>();
  for (const m of sent) {
    const key = `${m.kind} ${m.instanceId}${m.kind === 'retry' ? `#${m.attempt}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, n]) => `${key} ×${n}`)
    .join(', ');
}
