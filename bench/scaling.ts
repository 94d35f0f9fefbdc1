// The scaling check: per-instance request counts must stay flat as a workload grows (work
// proportional to tasks and edges). Workloads of one series (the same shape at growing sizes)
// are compared from the smallest to the largest; a figure that grows by more than 10% is flagged.

/** The per-instance request counts the scaling check compares. */
export const SCALED_FIGURES = [
  'dynamodbReads',
  'dynamodbWrites',
  'sqsRequests',
  'lambdaInvocations',
  'sfnTransitions',
] as const;
export type ScaledFigure = (typeof SCALED_FIGURES)[number];

/** A figure that grows by more than this from the smallest workload of a series to any larger one is flagged. */
export const SCALING_TOLERANCE = 0.1;

export type ScalingInput = {
  name: string;
  instances: number;
  series?: string | undefined;
  perInstance: Record<ScaledFigure, number>;
};

export type ScalingRow = {
  series: string;
  figure: ScaledFigure;
  values: { workload: string; instances: number; value: number }[];
  growthPercent: number;
  flagged: boolean;
};

const round1 = (n: number) => Math.round(n * 10) / 10;

export function scalingCheck(results: ScalingInput[]): ScalingRow[] {
  const series = new Map<string, ScalingInput[]>();
  for (const result of results) {
    if (result.series) series.set(result.series, [...(series.get(result.series) ?? []), result]);
  }
  return [...series].flatMap(([name, members]) => {
    if (members.length < 2) return [];
    const sorted = [...members].sort((a, b) => a.instances - b.instances);
    return SCALED_FIGURES.map((figure) => {
      const values = sorted.map((r) => ({
        workload: r.name,
        instances: r.instances,
        value: r.perInstance[figure],
      }));
      const first = values[0]?.value ?? 0;
      const peak = Math.max(...values.map((v) => v.value));
      // From nothing to something is growth without bound.
      const growth = first > 0 ? (peak - first) / first : peak > 0 ? Number.POSITIVE_INFINITY : 0;
      return {
        series: name,
        figure,
        values,
        growthPercent: Number.isFinite(growth) ? round1(growth * 100) : Number.POSITIVE_INFINITY,
        flagged: growth > SCALING_TOLERANCE,
      };
    });
  });
}
