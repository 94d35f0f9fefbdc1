import { describe, expect, it } from 'vitest';
import { ValidationError } from '#shared/errors.ts';
import { parseWorkflowDefinition } from '#shared/model/workflow.ts';

const base = {
  id: 'daily-sales',
  name: 'Daily sales',
  tasks: [
    { id: 'extract', type: 'http', config: { url: 'https://example.com' } },
    { id: 'load', type: 'lambda', config: { function: 'load' } },
  ],
  edges: [{ from: 'extract', to: 'load' }],
};

function faultsOf(input: unknown) {
  try {
    parseWorkflowDefinition(input);
  } catch (error) {
    if (error instanceof ValidationError) return { code: error.code, details: error.details };
    throw error;
  }
  throw new Error('expected a validation error');
}

describe('workflow definitions', () => {
  it('applies the documented defaults', () => {
    const definition = parseWorkflowDefinition(base);
    expect(definition.folder).toBe('/');
    expect(definition.edges[0]?.condition).toBe('SUCCESS');
    expect(definition.tasks[0]?.retry).toEqual({ maxRetries: 5, intervalSeconds: 60, backoffRate: 1 });
    expect(definition.tasks[0]?.resourceGroup).toBe('default');
  });

  it('keeps maxRetries 0 (run once)', () => {
    const definition = parseWorkflowDefinition({
      ...base,
      tasks: [{ id: 'a', type: 'noop', retry: { maxRetries: 0 } }],
      edges: [],
    });
    expect(definition.tasks[0]?.retry.maxRetries).toBe(0);
  });

  it('rejects duplicate task ids with the path of the second', () => {
    const result = faultsOf({ ...base, tasks: [...base.tasks, { id: 'load', type: 'noop' }] });
    expect(result.code).toBe('INVALID_WORKFLOW');
    expect(result.details).toContainEqual(
      expect.objectContaining({ path: 'tasks[2].id', code: 'DUPLICATE_TASK_ID' }),
    );
  });

  it('rejects an edge to an unknown task', () => {
    const result = faultsOf({ ...base, edges: [{ from: 'extract', to: 'nowhere' }] });
    expect(result.details).toEqual([expect.objectContaining({ path: 'edges[0].to', code: 'UNKNOWN_TASK' })]);
  });

  it('rejects a self-edge', () => {
    const result = faultsOf({ ...base, edges: [{ from: 'load', to: 'load' }] });
    expect(result.details).toContainEqual(expect.objectContaining({ path: 'edges[0]', code: 'SELF_EDGE' }));
  });

  it('rejects a cycle and names it', () => {
    const result = faultsOf({ ...base, edges: [...base.edges, { from: 'load', to: 'extract' }] });
    expect(result.details).toEqual([
      expect.objectContaining({
        path: 'edges',
        code: 'CYCLE',
        message: expect.stringContaining('extract → load → extract'),
      }),
    ]);
  });

  it('rejects an unknown task type and an out-of-bounds retry with their paths', () => {
    const result = faultsOf({
      ...base,
      tasks: [
        { id: 'extract', type: 'spark' },
        { id: 'load', type: 'noop', retry: { maxRetries: 1000 } },
      ],
    });
    const paths = result.details.map((d) => d.path);
    expect(paths).toContain('tasks[0].type');
    expect(paths).toContain('tasks[1].retry.maxRetries');
  });

  it('rejects a parameter default of the wrong type and a timeout out of bounds', () => {
    const result = faultsOf({
      ...base,
      parameters: [{ name: 'threshold', type: 'numeric', default: 'a lot' }],
      tasks: [
        { id: 'extract', type: 'noop', timeoutSeconds: 0 },
        { id: 'load', type: 'noop', timeoutSeconds: 8 * 24 * 3600 },
      ],
    });
    const paths = result.details.map((d) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining(['parameters[0].default', 'tasks[0].timeoutSeconds', 'tasks[1].timeoutSeconds']),
    );
  });

  it('rejects a second edge between the same two tasks', () => {
    const result = faultsOf({
      ...base,
      edges: [...base.edges, { from: 'extract', to: 'load', condition: 'ALWAYS' }],
    });
    expect(result.details).toEqual([expect.objectContaining({ path: 'edges[1]', code: 'DUPLICATE_EDGE' })]);
  });
});
