// Workflows far larger than one DynamoDB item: a 10,000-task DAG saves and reads back whole;
// a definition that cannot be stored even compressed is refused with its code and path.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { api, unique } from './support.ts';

type Definition = { tasks: { id: string }[]; edges: { from: string; to: string }[] };

/** `width` × `layers` noop tasks, each depending on the task above it in the layer before. */
function grid(id: string, layers: number, width: number) {
  const task = (layer: number, i: number) => `l${layer}t${i}`;
  const tasks = [];
  const edges = [];
  for (let layer = 0; layer < layers; layer++) {
    for (let i = 0; i < width; i++) {
      tasks.push({ id: task(layer, i), type: 'noop' });
      if (layer > 0) edges.push({ from: task(layer - 1, i), to: task(layer, i) });
    }
  }
  return { id, name: id, tasks, edges };
}

describe('large workflows', () => {
  it('saves a 10,000-task DAG and reads it back whole (the bench runs one: dag-10000)', async () => {
    const id = unique('large');
    const definition = grid(id, 50, 200);
    const saved = await api('PUT', `/v1/workflows/${id}`, { body: definition });
    expect(saved.status, JSON.stringify(saved.body).slice(0, 300)).toBe(201);
    const read = await api<{ definition: Definition }>('GET', `/v1/workflows/${id}`);
    expect(read.status).toBe(200);
    expect(read.body.definition.tasks).toHaveLength(10_000);
    expect(read.body.definition.edges).toHaveLength(9_800);
    expect(read.body.definition.tasks[9_999]?.id).toBe('l49t199');
  });

  it('refuses a definition too large to store even compressed, and stores nothing', async () => {
    const id = unique('too-large');
    const definition = {
      id,
      name: id,
      // Incompressible payloads: 1,500 tasks × 400 random characters.
      tasks: Array.from({ length: 1_500 }, (_, i) => ({
        id: `t${i}`,
        type: 'noop',
        config: { blob: randomBytes(300).toString('base64') },
      })),
      edges: [],
    };
    const saved = await api<{ error: { code: string; details: { path: string; code: string }[] } }>(
      'PUT',
      `/v1/workflows/${id}`,
      { body: definition },
    );
    expect(saved.status).toBe(400);
    expect(saved.body.error.code).toBe('DEFINITION_TOO_LARGE');
    expect(saved.body.error.details).toEqual([
      expect.objectContaining({ path: 'tasks', code: 'DEFINITION_TOO_LARGE' }),
    ]);
    expect((await api('GET', `/v1/workflows/${id}`)).status).toBe(404);
  });
});
