// The `/v1` routes: each parses its input, calls one core function, maps the result.
import { Router } from '@aws-lambda-powertools/event-handler/http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { EngineDeps } from '#shared/engine/deps.ts';
import { getInstance, getRun, getWorkflow, listInstances } from '#shared/engine/queries.ts';
import { saveWorkflow } from '#shared/engine/workflows.ts';
import { ValidationError } from '#shared/errors.ts';
import { callerOf } from './identity.ts';
import { errorResponse, json } from './responses.ts';
import { instanceListQuerySchema } from './schemas.ts';

export function createApiRouter(
  deps: EngineDeps,
  options: { version: string; developmentIdentity?: string },
) {
  const app = new Router({ prefix: '/v1' });

  app.get('/health', () => ({ status: 'ok', version: options.version }));

  app.get('/instances', async ({ req }) => {
    const query = instanceListQuerySchema.parse(Object.fromEntries(new URL(req.url).searchParams));
    return json(200, await listInstances(deps, query));
  });
  app.get('/instances/:id', async ({ params }) => json(200, await getInstance(deps, params.id ?? '')));
  app.get('/runs/:id', async ({ params }) => json(200, await getRun(deps, params.id ?? '')));
  app.get('/workflows/:id', async ({ params }) => json(200, await getWorkflow(deps, params.id ?? '')));

  app.put('/workflows/:id', async ({ req, params, event }) => {
    const body: unknown = JSON.parse((await req.text()) || 'null');
    const id = (body as { id?: unknown } | null)?.id;
    if (id !== params.id) {
      throw new ValidationError('The body must describe the workflow of the path', [
        { path: 'id', message: `expected '${params.id}'`, code: 'ID_MISMATCH' },
      ]);
    }
    const actor = callerOf(event as APIGatewayProxyEventV2) ?? options.developmentIdentity ?? 'unknown';
    const result = await saveWorkflow(deps, body, actor);
    return json(result.created ? 201 : 200, { ...result.workflow, changed: result.changed });
  });

  app.errorHandler(Error, async (error) => errorResponse(error));
  app.notFound(async (error) => errorResponse(error));
  return app;
}
