import { describe, expect, it } from 'vitest';
import {
  foreachInstanceIdOf,
  instanceId,
  iterationId,
  parseInstanceId,
  periodicRunId,
} from '#shared/model/ids.ts';

describe('deterministic ids', () => {
  it('derives the periodic run id from workflow and data time only', () => {
    expect(periodicRunId('daily-sales', '2026-01-01T00:00:00.000Z')).toBe('daily-sales.20260101T0000Z');
    expect(periodicRunId('daily-sales', '2026-01-01T00:00:00Z')).toBe(
      periodicRunId('daily-sales', '2026-01-01T00:00:00.000Z'),
    );
  });

  it('splits an instance id back into run and task', () => {
    const id = instanceId('daily-sales.20260101T0000Z', 'load_2');
    expect(parseInstanceId(id)).toEqual({ runId: 'daily-sales.20260101T0000Z', taskId: 'load_2' });
  });

  it('names an iteration after its for-each instance, attempt and index, and splits it back', () => {
    const foreach = instanceId('daily-sales.20260101T0000Z', 'each');
    const id = iterationId(foreach, 2, 17);
    expect(id).toBe('daily-sales.20260101T0000Z.each~2~17');
    expect(parseInstanceId(id)).toEqual({
      runId: 'daily-sales.20260101T0000Z',
      taskId: 'each',
      iteration: { attempt: 2, index: 17 },
    });
    expect(foreachInstanceIdOf(id)).toBe(foreach);
    for (const bad of ['each~2', 'each~0~1', 'each~1~01', 'each~1~x', 'each~1~2~3']) {
      expect(parseInstanceId(`daily-sales.20260101T0000Z.${bad}`)).toBeUndefined();
    }
  });

  it('refuses ids that name no instance', () => {
    expect(parseInstanceId('daily-sales')).toBeUndefined();
    expect(parseInstanceId('daily-sales.20260101T0000Z')).toBeUndefined();
    expect(parseInstanceId('daily-sales.20260101T0000Z.')).toBeUndefined();
  });
});
