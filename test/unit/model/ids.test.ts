import { describe, expect, it } from 'vitest';
import { instanceId, parseInstanceId, periodicRunId } from '#shared/model/ids.ts';

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

  it('refuses ids that name no instance', () => {
    expect(parseInstanceId('daily-sales')).toBeUndefined();
    expect(parseInstanceId('daily-sales.20260101T0000Z')).toBeUndefined();
    expect(parseInstanceId('daily-sales.20260101T0000Z.')).toBeUndefined();
  });
});
