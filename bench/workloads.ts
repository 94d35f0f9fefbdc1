// The benchmark's workloads: workflow definitions of `noop` tasks that all succeed on their
// first attempt, built deterministically (a seeded generator), so every run measures the
// same graph.
import type { WorkflowDefinitionInput } from '#shared/model/workflow.ts';
import { seededRandom } from '#shared/util/seeded-random.ts';

export type Workload = {
  name: string;
  /** One line for the table and the doc. */
  shape: string;
  definition: WorkflowDefinitionInput;
  tasks: number;
  edges: number;
  /** Task instances the run makes, when more than its tasks (a for-each's iterations). */
  instances?: number;
  /** Step Functions transitions per instance allowed: none on the first-time-success path, a few per iteration. */
  maxTransitionsPerInstance: number;
  /** Run as a backfill of the workflow's (paused) daily schedule instead of one scheduled run. */
  backfill?: { from: string; to: string; parallelism: number; runs: number };
  /** Workloads of one series (the same shape at growing sizes) are compared by the scaling check. */
  series?: string;
};

const noop = (id: string) => ({ id, type: 'noop' as const });

/**
 * `layers` × `width` tasks. Each task after the first layer depends on one task of the layer
 * before, drawn at random, and with probability ½ on a second one (1.5 edges per task so
 * far). Then every task of the layer before that nobody drew becomes the second upstream of a
 * task that has only one, so no branch ends early: fan-out and fan-in at every layer, never
 * more than two upstreams per task (dag-1000: 1,626 edges, 1.71 per task of layers 2…20).
 */
export function layeredDag(layers: number, width: number, seed = 20_260_101): Workload {
  const random = seededRandom(seed);
  const id = (layer: number, i: number) => `l${String(layer).padStart(2, '0')}t${String(i).padStart(3, '0')}`;
  const tasks = [];
  const edges: { from: string; to: string }[] = [];
  for (let layer = 0; layer < layers; layer++) {
    for (let i = 0; i < width; i++) tasks.push(noop(id(layer, i)));
    if (layer === 0) continue;
    const upstreamsOf: number[][] = [];
    for (let i = 0; i < width; i++) {
      const first = Math.floor(random() * width);
      const ups = [first];
      if (random() < 0.5) ups.push((first + 1 + Math.floor(random() * (width - 1))) % width);
      upstreamsOf.push(ups);
    }
    // Every task of the layer above that nobody drew: the second upstream of a one-upstream task.
    const used = new Set(upstreamsOf.flat());
    let cursor = 0;
    for (let orphan = 0; orphan < width; orphan++) {
      if (used.has(orphan)) continue;
      while (cursor < width && (upstreamsOf[cursor]?.length ?? 2) >= 2) cursor++;
      const target = upstreamsOf[cursor];
      if (!target) break;
      target.push(orphan);
      used.add(orphan);
      cursor++;
    }
    upstreamsOf.forEach((ups, i) => {
      for (const up of ups) edges.push({ from: id(layer - 1, up), to: id(layer, i) });
    });
  }
  const name = `dag-${layers * width}`;
  return {
    name,
    shape: `${layers} layers × ${width} noop tasks, 1–2 upstreams each in the layer before`,
    definition: { id: `bench-${name}`, name: `Benchmark ${name}`, folder: '/bench', tasks, edges },
    tasks: tasks.length,
    edges: edges.length,
    maxTransitionsPerInstance: 0,
    series: 'layered DAG',
  };
}

/**
 * A backfill of `days` daily runs of a `layers` × `width` layered DAG, `parallelism` runs at
 * once: the workflow has a paused daily schedule (a backfill follows its cycle).
 */
export function backfill(days: number, layers: number, width: number, parallelism: number): Workload {
  const dag = layeredDag(layers, width, 20_260_202);
  const name = `backfill-${days}d-${dag.tasks}`;
  const from = new Date(Date.UTC(2025, 0, 1));
  const to = new Date(from.getTime() + (days - 1) * 86_400_000);
  return {
    ...dag,
    name,
    shape: `${days} daily runs of a ${dag.tasks}-task layered DAG (${layers} × ${width}), ${parallelism} runs at once`,
    definition: {
      ...dag.definition,
      id: `bench-${name}`,
      name: `Benchmark ${name}`,
      schedule: { cycle: 'DAY', expression: 'cron(0 0 * * ? *)', timezone: 'UTC', status: 'PAUSED' },
    },
    instances: days * dag.tasks,
    backfill: { from: from.toISOString(), to: to.toISOString(), parallelism, runs: days },
    series: undefined,
  };
}

/** One `foreach` task over `items` numbers, a noop body, `maxConcurrency` iterations at once. */
export function foreach(items: number, maxConcurrency: number): Workload {
  const name = `foreach-${items}`;
  return {
    name,
    shape: `one foreach over ${items} items, noop body, ${maxConcurrency} at once`,
    definition: {
      id: `bench-${name}`,
      name: `Benchmark ${name}`,
      folder: '/bench',
      tasks: [
        {
          id: 'each',
          type: 'foreach',
          config: {
            items: Array.from({ length: items }, (_, i) => i),
            maxConcurrency,
            body: { type: 'noop' },
          },
        },
      ],
      edges: [],
    },
    tasks: 1,
    edges: 0,
    instances: items + 1,
    // The loop's own states, then one RunIteration state per iteration (a child execution each).
    maxTransitionsPerInstance: 2,
  };
}

/** `length` noop tasks, each depending on the one before. */
export function chain(length: number): Workload {
  const id = (i: number) => `c${String(i).padStart(3, '0')}`;
  const tasks = Array.from({ length }, (_, i) => noop(id(i)));
  const edges = tasks.slice(1).map((_, i) => ({ from: id(i), to: id(i + 1) }));
  const name = `chain-${length}`;
  return {
    name,
    shape: `${length} noop tasks in a line`,
    definition: { id: `bench-${name}`, name: `Benchmark ${name}`, folder: '/bench', tasks, edges },
    tasks: tasks.length,
    edges: edges.length,
    maxTransitionsPerInstance: 0,
  };
}

/**
 * What `npm run bench` runs; `--quick` runs the smaller set (well under two minutes). The
 * layered DAGs at growing sizes are the scaling check's series.
 */
export function workloads(quick: boolean): Workload[] {
  return quick
    ? [chain(10), layeredDag(5, 20), layeredDag(20, 50), backfill(7, 4, 5, 4), foreach(100, 20)]
    : [
        chain(10),
        layeredDag(5, 20),
        layeredDag(20, 50),
        layeredDag(50, 200),
        backfill(365, 5, 20, 10),
        foreach(1000, 40),
      ];
}
