// Lineage of an instance (seed 000): its upstream and downstream instances, layer by layer,
// in its run and across runs (self-dependency, other workflows), with each node's status
// and each edge's condition; a dependency an operator removed is marked `removed`.
import { childRunId, instanceId as idOf } from '../model/ids.ts';
import { currentAttempt, type Instance } from '../model/instance.ts';
import type { EdgeCondition } from '../model/workflow.ts';
import type { EngineDeps } from './deps.ts';
import { getInstance } from './queries.ts';

export type LineageNode = {
  id: string;
  workflowId: string;
  taskId: string;
  taskName: string;
  /** Null for an instance whose run does not exist yet. */
  taskType: Instance['taskType'] | null;
  dataTime: string;
  status: Instance['status'] | 'MISSING';
  /** Layers from the instance: negative upstream, positive downstream, 0 itself. */
  layer: number;
  /** A subworkflow instance's child run (of its latest attempt): the nested DAG it opened. */
  childRunId?: string;
};
export type LineageEdge = {
  from: string;
  to: string;
  condition: EdgeCondition;
  /** Between two runs (self-dependency or another workflow). */
  crossRun: boolean;
  removed: boolean;
};
export type Lineage = {
  root: string;
  nodes: LineageNode[];
  edges: LineageEdge[];
  truncated: boolean;
  /** When the instance is in a child run: the subworkflow instance (and its run) that started it. */
  parent?: { runId: string; instanceId: string };
};

export const MAX_LINEAGE_DEPTH = 10;
/** The most nodes one lineage read returns: a wide graph is expanded layer by layer. */
export const MAX_LINEAGE_NODES = 500;

type Link = { upstream: string; downstream: string; condition: EdgeCondition; crossRun: boolean };

export async function lineageOf(
  deps: Pick<EngineDeps, 'store'>,
  id: string,
  options: { direction: 'up' | 'down' | 'both'; depth: number },
): Promise<Lineage> {
  const root = await getInstance(deps, id);
  const nodes = new Map<string, LineageNode>([[root.id, nodeOf(root, 0)]]);
  const loaded = new Map<string, Instance>([[root.id, root]]);
  const edges = new Map<string, LineageEdge>();
  let truncated = false;

  const walk = async (sign: -1 | 1) => {
    let frontier: Instance[] = [root];
    for (let layer = 1; layer <= options.depth && frontier.length > 0 && !truncated; layer++) {
      const links: Link[] = [];
      for (const instance of frontier)
        links.push(...(sign < 0 ? upLinks(instance) : await downLinks(deps, instance)));
      const next: string[] = [];
      for (const link of links) {
        const other = sign < 0 ? link.upstream : link.downstream;
        edges.set(`${link.upstream}>${link.downstream}`, {
          from: link.upstream,
          to: link.downstream,
          condition: link.condition,
          crossRun: link.crossRun,
          removed: false,
        });
        if (!nodes.has(other) && !next.includes(other)) next.push(other);
      }
      if (nodes.size + next.length > MAX_LINEAGE_NODES) {
        truncated = true;
        next.length = Math.max(0, MAX_LINEAGE_NODES - nodes.size);
      }
      const found = await deps.store.getInstances(next);
      for (const instance of found) {
        loaded.set(instance.id, instance);
        nodes.set(instance.id, nodeOf(instance, sign * layer));
      }
      for (const missing of next.filter((n) => !loaded.has(n)))
        nodes.set(missing, missingNode(missing, root, sign * layer));
      frontier = found;
    }
  };
  if (options.direction !== 'down') await walk(-1);
  if (options.direction !== 'up') await walk(1);

  // A removed dependency is recorded on its downstream instance.
  for (const edge of edges.values()) {
    edge.removed = loaded.get(edge.to)?.upstreamOutcomes[edge.from]?.outcome === 'REMOVED';
  }
  const run = await deps.store.getRun(root.runId);
  return {
    root: root.id,
    nodes: [...nodes.values()],
    edges: [...edges.values()],
    truncated,
    ...(run?.parent ? { parent: { runId: run.parent.runId, instanceId: run.parent.instanceId } } : {}),
  };
}

function upLinks(instance: Instance): Link[] {
  return [
    ...instance.upstream.map((edge) => ({
      upstream: idOf(instance.runId, edge.taskId),
      downstream: instance.id,
      condition: edge.condition,
      crossRun: false,
    })),
    ...instance.externalUpstream.map((up) => ({
      upstream: up.instanceId,
      downstream: instance.id,
      condition: up.condition,
      crossRun: true,
    })),
  ];
}

async function downLinks(deps: Pick<EngineDeps, 'store'>, instance: Instance): Promise<Link[]> {
  const inRun = instance.downstream.map((edge) => ({
    upstream: instance.id,
    downstream: idOf(instance.runId, edge.taskId),
    condition: edge.condition,
    crossRun: false,
  }));
  if (!instance.hasExternalDependents) return inRun;
  const dependents = await deps.store.listDependents(instance.id);
  return [
    ...inRun,
    ...dependents.map((dependent) => ({
      upstream: instance.id,
      downstream: dependent,
      condition: 'SUCCESS' as const,
      crossRun: true,
    })),
  ];
}

function nodeOf(instance: Instance, layer: number): LineageNode {
  const workflow = instance.taskType === 'subworkflow' ? instance.task.config.workflow : undefined;
  const attempt = currentAttempt(instance);
  return {
    ...(typeof workflow === 'string' && attempt > 0
      ? { childRunId: childRunId(workflow, instance.id, attempt) }
      : {}),
    id: instance.id,
    workflowId: instance.workflowId,
    taskId: instance.taskId,
    taskName: instance.taskName,
    taskType: instance.taskType,
    dataTime: instance.dataTime,
    status: instance.status,
    layer,
  };
}

/** An upstream in a run not created yet (another workflow's, or the previous cycle's). */
function missingNode(id: string, root: Pick<Instance, 'dataTime'>, layer: number): LineageNode {
  const dot = id.lastIndexOf('.');
  const runId = id.slice(0, dot);
  return {
    id,
    workflowId: runId.slice(0, runId.indexOf('.')),
    taskId: id.slice(dot + 1),
    taskName: id.slice(dot + 1),
    taskType: null,
    dataTime: root.dataTime,
    status: 'MISSING',
    layer,
  };
}
