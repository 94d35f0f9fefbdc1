// Resource groups, cross-run dependency subscriptions and attempt log chunks.
import type { Key } from './table.ts';

export const resourceGroupKey = (name: string): Key => ({ pk: `RG#${name}`, sk: '#RG' });

/** A dependent of an instance in another run, found from the upstream's id. */
export const dependentKey = (upstreamId: string, dependentId: string): Key => ({
  pk: `DEP#${upstreamId}`,
  sk: dependentId,
});

/**
 * Log chunks sit in their run's partition, after the instances (`L#` sorts after `I#`);
 * `instanceName` is the instance id past its run id (a task id, or an iteration's).
 */
export const logChunkKey = (
  runId: string,
  instanceName: string,
  attempt: number,
  stream: string,
  chunk: number,
): Key => ({
  pk: `RUN#${runId}`,
  sk: `L#${instanceName}#${String(attempt).padStart(4, '0')}#${stream}#${String(chunk).padStart(5, '0')}`,
});

/** Marks that a task of another workflow depends on `task` (read once per run of `workflowId`). */
export const workflowDependencyKey = (workflowId: string, task: string, dependentWorkflow: string): Key => ({
  pk: `WFDEP#${workflowId}`,
  sk: `${task}#${dependentWorkflow}`,
});

export const backfillKey = (id: string): Key => ({ pk: `BF#${id}`, sk: '#BF' });

export const triggerTokenKey = (workflowId: string): Key => ({ pk: `WF#${workflowId}`, sk: 'TRIGGER' });

/** Operation records, twice: under their target and under their workflow, newest last by sort key. */
export const operationByTargetKey = (targetId: string, at: string, id: string): Key => ({
  pk: `OPT#${targetId}`,
  sk: `${at}#${id}`,
});
export const operationByWorkflowKey = (workflowId: string, at: string, id: string): Key => ({
  pk: `OPW#${workflowId}`,
  sk: `${at}#${id}`,
});
