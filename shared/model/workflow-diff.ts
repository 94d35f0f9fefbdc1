// What changes between two versions of a workflow definition, by the things an operator
// reviews: its fields, parameters (by name), schedule, tasks (by id), edges (by pair) and
// alert rules (by id).
// `rondo apply --dry-run` prints it; both sides are definitions with their defaults filled in.
import { isDeepStrictEqual } from 'node:util';
import type { WorkflowDefinition } from './workflow.ts';

export type WorkflowChange = {
  op: 'add' | 'remove' | 'change';
  /** `name`, `parameters.region`, `schedule.expression`, `tasks.load`, `tasks.load.retry`, `edges.extract→load`. */
  path: string;
  before?: unknown;
  after?: unknown;
};

const FIELDS = ['name', 'description', 'folder'] as const;

/** The changes that turn `before` (absent: a workflow not created yet) into `after`, in review order. */
export function diffWorkflows(
  before: WorkflowDefinition | undefined,
  after: WorkflowDefinition,
): WorkflowChange[] {
  const changes: WorkflowChange[] = [];
  for (const field of FIELDS) changes.push(...valueChange(field, before?.[field], after[field]));
  changes.push(...keyedChanges('parameters', before?.parameters ?? [], after.parameters, (p) => p.name));
  if (before?.schedule && after.schedule) {
    for (const key of unionKeys(before.schedule, after.schedule)) {
      changes.push(
        ...valueChange(
          `schedule.${key}`,
          before.schedule[key as keyof typeof before.schedule],
          after.schedule[key as keyof typeof after.schedule],
        ),
      );
    }
  } else {
    changes.push(...valueChange('schedule', before?.schedule, after.schedule));
  }
  changes.push(...keyedChanges('tasks', before?.tasks ?? [], after.tasks, (t) => t.id, true));
  changes.push(...keyedChanges('edges', before?.edges ?? [], after.edges, (e) => `${e.from}→${e.to}`));
  changes.push(...keyedChanges('alerts', before?.alerts ?? [], after.alerts ?? [], (a) => a.id, true));
  return changes;
}

function valueChange(path: string, before: unknown, after: unknown): WorkflowChange[] {
  if (isDeepStrictEqual(before, after)) return [];
  if (before === undefined) return [{ op: 'add', path, after }];
  if (after === undefined) return [{ op: 'remove', path, before }];
  return [{ op: 'change', path, before, after }];
}

/** Items matched by key; a changed item is reported field by field when `byField`. */
function keyedChanges<T extends object>(
  section: string,
  before: T[],
  after: T[],
  keyOf: (item: T) => string,
  byField = false,
): WorkflowChange[] {
  const old = new Map(before.map((item) => [keyOf(item), item]));
  const now = new Map(after.map((item) => [keyOf(item), item]));
  const changes: WorkflowChange[] = [];
  for (const [key, item] of old) {
    if (!now.has(key)) changes.push({ op: 'remove', path: `${section}.${key}`, before: item });
  }
  for (const [key, item] of now) {
    const previous = old.get(key);
    if (previous === undefined) {
      changes.push({ op: 'add', path: `${section}.${key}`, after: item });
    } else if (byField) {
      for (const field of unionKeys(previous, item)) {
        changes.push(
          ...valueChange(
            `${section}.${key}.${field}`,
            (previous as Record<string, unknown>)[field],
            (item as Record<string, unknown>)[field],
          ),
        );
      }
    } else {
      changes.push(...valueChange(`${section}.${key}`, previous, item));
    }
  }
  return changes;
}

function unionKeys(a: object, b: object): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])];
}

const MAX_VALUE_CHARS = 120;

/** One line per change: `+ tasks.load`, `- edges.a→b`, `~ schedule.expression: "…" → "…"`. */
export function formatWorkflowChanges(changes: WorkflowChange[]): string[] {
  const show = (value: unknown) => {
    const text = JSON.stringify(value) ?? 'undefined';
    return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
  };
  return changes.map((change) => {
    if (change.op === 'add') return `+ ${change.path}: ${show(change.after)}`;
    if (change.op === 'remove') return `- ${change.path}`;
    return `~ ${change.path}: ${show(change.before)} → ${show(change.after)}`;
  });
}
