import { describe, expect, it } from 'vitest';
import { parseWorkflowDefinition } from '#shared/model/workflow.ts';
import { diffWorkflows, formatWorkflowChanges } from '#shared/model/workflow-diff.ts';

const base = parseWorkflowDefinition({
  id: 'sales',
  name: 'Sales',
  parameters: [{ name: 'region', type: 'text', default: 'eu' }],
  schedule: { cycle: 'DAY', expression: 'cron(0 2 * * ? *)' },
  tasks: [
    { id: 'extract', type: 'noop' },
    { id: 'load', type: 'noop', timeoutSeconds: 60 },
  ],
  edges: [{ from: 'extract', to: 'load' }],
});

describe('diffWorkflows', () => {
  it('finds nothing between a definition and itself', () => {
    expect(diffWorkflows(base, structuredClone(base))).toEqual([]);
  });

  it('names each changed field of a task, each added or removed task, edge and parameter', () => {
    const next = parseWorkflowDefinition({
      ...base,
      name: 'Sales (daily)',
      parameters: [{ name: 'market', type: 'text' }],
      schedule: { ...base.schedule, expression: 'cron(0 3 * * ? *)' },
      tasks: [
        { id: 'extract', type: 'noop' },
        { id: 'load', type: 'noop', timeoutSeconds: 120 },
        { id: 'report', type: 'noop' },
      ],
      edges: [
        { from: 'extract', to: 'load', condition: 'ALWAYS' },
        { from: 'load', to: 'report' },
      ],
    });
    expect(diffWorkflows(base, next)).toEqual([
      { op: 'change', path: 'name', before: 'Sales', after: 'Sales (daily)' },
      { op: 'remove', path: 'parameters.region', before: { name: 'region', type: 'text', default: 'eu' } },
      { op: 'add', path: 'parameters.market', after: { name: 'market', type: 'text' } },
      { op: 'change', path: 'schedule.expression', before: 'cron(0 2 * * ? *)', after: 'cron(0 3 * * ? *)' },
      { op: 'change', path: 'tasks.load.timeoutSeconds', before: 60, after: 120 },
      { op: 'add', path: 'tasks.report', after: next.tasks[2] },
      {
        op: 'change',
        path: 'edges.extract→load',
        before: { from: 'extract', to: 'load', condition: 'SUCCESS' },
        after: { from: 'extract', to: 'load', condition: 'ALWAYS' },
      },
      { op: 'add', path: 'edges.load→report', after: { from: 'load', to: 'report', condition: 'SUCCESS' } },
    ]);
  });

  it('reports a removed schedule as one change, and a new workflow as everything added', () => {
    const { schedule: _schedule, ...unscheduled } = base;
    expect(diffWorkflows(base, unscheduled)).toEqual([
      { op: 'remove', path: 'schedule', before: base.schedule },
    ]);
    const created = diffWorkflows(undefined, base).map((c) => `${c.op} ${c.path}`);
    expect(created).toEqual([
      'add name',
      'add folder',
      'add parameters.region',
      'add schedule',
      'add tasks.extract',
      'add tasks.load',
      'add edges.extract→load',
    ]);
  });

  it('names alert rules added, removed and changed, field by field', () => {
    const withAlerts = parseWorkflowDefinition({
      ...base,
      alerts: [{ id: 'late', on: 'DEADLINE', deadline: { after: '30h' }, channels: [{ type: 'sns' }] }],
    });
    expect(diffWorkflows(base, withAlerts).map((c) => `${c.op} ${c.path}`)).toEqual(['add alerts.late']);
    const later = parseWorkflowDefinition({
      ...withAlerts,
      alerts: [{ id: 'late', on: 'DEADLINE', deadline: { after: '32h' }, channels: [{ type: 'sns' }] }],
    });
    expect(diffWorkflows(withAlerts, later)).toEqual([
      {
        op: 'change',
        path: 'alerts.late.deadline',
        before: { after: '30h', from: 'DATA_TIME' },
        after: { after: '32h', from: 'DATA_TIME' },
      },
    ]);
  });

  it('prints one line per change and shortens long values', () => {
    const lines = formatWorkflowChanges([
      { op: 'add', path: 'tasks.x', after: { id: 'x', config: { text: 'y'.repeat(300) } } },
      { op: 'remove', path: 'edges.a→b', before: {} },
      { op: 'change', path: 'schedule.status', before: 'ENABLED', after: 'PAUSED' },
    ]);
    expect(lines[0]).toMatch(/^\+ tasks\.x: \{"id":"x","config":\{"text":"y+…$/);
    expect(lines[0]?.length).toBe('+ tasks.x: '.length + 120);
    expect(lines.slice(1)).toEqual(['- edges.a→b', '~ schedule.status: "ENABLED" → "PAUSED"']);
  });
});
