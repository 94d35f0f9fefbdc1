// The OpenAPI document: valid OpenAPI 3.1, and it documents every route the router has.
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '#functions/api/openapi.ts';
import { createApiRouter } from '#functions/api/router.ts';
import type { EngineDeps } from '#shared/engine/deps.ts';

// The router only registers its routes here: no handler runs, so no port is used.
const router = createApiRouter({} as EngineDeps, { version: 'test' });
const document = openApiDocument('test') as unknown as { paths: Record<string, Record<string, unknown>> };

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(document as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('documents every route of the router, and no route it does not have', () => {
    const registered = router.routes
      .map((r) => `${r.method.toUpperCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`)
      .sort();
    const documented = Object.entries(document.paths)
      .flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      )
      .sort();
    expect(documented).toEqual(registered);
    expect(registered.length).toBeGreaterThan(30);
  });

  it('describes request schemas from the very zod schemas the routes parse with', () => {
    const paths = document.paths as Record<
      string,
      Record<string, { parameters?: { name: string; in: string }[] }>
    >;
    const list = paths['/v1/instances']?.get;
    const names = (list?.parameters ?? []).map((p) => `${p.in}:${p.name}`);
    for (const filter of [
      'q',
      'status',
      'owner',
      'folder',
      'taskType',
      'resourceGroup',
      'cycleType',
      'cursor',
      'limit',
    ]) {
      expect(names).toContain(`query:${filter}`);
    }
    const rerun = paths['/v1/instances/{id}/rerun']?.post as { requestBody?: unknown } | undefined;
    expect(JSON.stringify(rerun?.requestBody)).toContain('instance_and_downstream');
  });
});
