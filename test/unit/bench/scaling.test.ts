// The bench's scaling check on made-up figures: flat series pass, a figure growing more
// than 10% from the smallest size is flagged, and workloads outside a series are left out.
import { describe, expect, it } from 'vitest';
import { type ScalingInput, scalingCheck } from '../../../bench/scaling.ts';

const result = (
  name: string,
  instances: number,
  perInstance: Partial<ScalingInput['perInstance']>,
  series?: string,
): ScalingInput => ({
  name,
  instances,
  series,
  perInstance: {
    dynamodbReads: 3,
    dynamodbWrites: 4.5,
    sqsRequests: 2.6,
    lambdaInvocations: 0.3,
    sfnTransitions: 0,
    ...perInstance,
  },
});

describe('scalingCheck', () => {
  it('passes a series whose figures stay within 10%, and compares sizes in order', () => {
    const rows = scalingCheck([
      result('dag-10000', 10_000, { dynamodbWrites: 4.9 }, 'dag'),
      result('dag-100', 100, { dynamodbWrites: 4.5 }, 'dag'),
      result('chain-10', 10, { dynamodbWrites: 40 }),
    ]);
    expect(rows.map((r) => r.figure)).toEqual([
      'dynamodbReads',
      'dynamodbWrites',
      'sqsRequests',
      'lambdaInvocations',
      'sfnTransitions',
    ]);
    const writes = rows.find((r) => r.figure === 'dynamodbWrites');
    expect(writes?.values.map((v) => v.workload)).toEqual(['dag-100', 'dag-10000']);
    expect(writes?.growthPercent).toBe(8.9);
    expect(rows.every((r) => !r.flagged)).toBe(true);
  });

  it('flags a figure that grows by more than 10% at any larger size', () => {
    const rows = scalingCheck([
      result('dag-100', 100, { dynamodbReads: 3 }, 'dag'),
      result('dag-1000', 1_000, { dynamodbReads: 3.5 }, 'dag'),
      result('dag-10000', 10_000, { dynamodbReads: 3.2 }, 'dag'),
    ]);
    const reads = rows.find((r) => r.figure === 'dynamodbReads');
    expect(reads).toMatchObject({ growthPercent: 16.7, flagged: true });
    expect(rows.filter((r) => r.flagged).map((r) => r.figure)).toEqual(['dynamodbReads']);
  });

  it('flags a figure that appears only at scale, and ignores one that shrinks', () => {
    const rows = scalingCheck([
      result('dag-100', 100, { sfnTransitions: 0, lambdaInvocations: 0.6 }, 'dag'),
      result('dag-1000', 1_000, { sfnTransitions: 0.01, lambdaInvocations: 0.3 }, 'dag'),
    ]);
    expect(rows.find((r) => r.figure === 'sfnTransitions')?.flagged).toBe(true);
    expect(rows.find((r) => r.figure === 'lambdaInvocations')).toMatchObject({
      growthPercent: 0,
      flagged: false,
    });
  });

  it('needs two sizes of a series to compare anything', () => {
    expect(scalingCheck([result('dag-100', 100, {}, 'dag'), result('chain-10', 10, {})])).toEqual([]);
  });
});
