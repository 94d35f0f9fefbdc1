// Malformed requests to every route (fast-check): never a 5xx, never a write. The router
// runs in process on the in-memory store and queues; every port that could write counts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '#functions/api/openapi.ts';
import { createApiRouter, resolveRequest } from '#functions/api/router.ts';
import { toHttpApiEvent } from '#local/api-gateway.ts';
import type { EngineDeps } from '#shared/engine/deps.ts';
import { createMemoryQueues } from '../../support/memory-queues.ts';
import { createMemoryStore } from '../../support/memory-store.ts';

const WRITES = /^(put|create|transition|patch|record|mark|close|set|count|claim|remove)/;

function harness() {
  const writes: string[] = [];
  const store = createMemoryStore();
  // Count every call of a method that writes (reads pass through).
  const counted = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string' || !WRITES.test(property)) return value;
      return (...args: unknown[]) => {
        writes.push(property);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const queues = createMemoryQueues();
  const deps: EngineDeps = {
    settings: { graceSeconds: 300, resourceGroupCacheSeconds: 30 },
    store: counted,
    clock: { now: () => new Date('2026-05-01T00:00:00Z') },
    dispatchQueue: queues.dispatchQueue,
    completionQueue: queues.completionQueue,
    retryRunner: queues.retryRunner,
    loopRunner: {
      startLoop: async () => void writes.push('startLoop'),
      reportIteration: async () => void writes.push('reportIteration'),
      stopLoop: async () => void writes.push('stopLoop'),
    },
    executors: {},
    scheduler: {
      upsert: async () => void writes.push('schedule'),
      remove: async () => void writes.push('unschedule'),
    },
    bus: {
      put: async () => {
        writes.push('bus');
        return { eventId: 'x' };
      },
      putMany: async () => void writes.push('bus'),
    },
  };
  const router = createApiRouter(deps, { version: 'fuzz' });
  return { router, writes, sent: () => queues.sent.length };
}

const segment = fc.string({ minLength: 1, maxLength: 40 });
const query = fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 40 }), { maxKeys: 4 });
const body = fc.oneof(
  fc.constant(''),
  fc.string({ maxLength: 200 }),
  fc.json({ maxDepth: 3 }),
  fc.constantFrom('{', '[', 'null', '{"id":', '{"ids":[]}', '{"scope":"everything"}'),
);

describe('every route under malformed input', () => {
  const h = harness();
  it.each(ROUTES.map((r) => [r.method.toUpperCase(), r.path] as const))(
    '%s %s: no 5xx, nothing written',
    async (method, path) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(segment, { minLength: 4, maxLength: 4 }),
          query,
          body,
          async (segments, params, payload) => {
            let i = 0;
            const concrete = path.replace(/\{[^}]+\}/g, () => encodeURIComponent(segments[i++] ?? 'x'));
            const search = new URLSearchParams(params).toString();
            const event = toHttpApiEvent(
              {
                method,
                url: `${concrete}${search ? `?${search}` : ''}`,
                headers: { 'content-type': 'application/json', host: 'localhost' },
              },
              Buffer.from(payload),
              'fuzzer',
            );
            const response = (await resolveRequest(h.router, event, {} as never)) as {
              statusCode: number;
              body?: string;
            };
            expect(
              response.statusCode,
              `${method} ${concrete} ${search} ${payload}: ${response.body}`,
            ).toBeLessThan(500);
            expect(h.writes).toEqual([]);
            expect(h.sent()).toBe(0);
          },
        ),
        { numRuns: 40 },
      );
    },
  );
});
