// Step Functions execution names for retries and loops: valid, unique per (instance,
// attempt), and never one name for two instances.
import { describe, expect, it } from 'vitest';
import { loopExecutionName } from '#shared/aws/sfn-loop-runner.ts';
import { retryExecutionName } from '#shared/aws/sfn-retry-runner.ts';

// StartExecution `name`: 1–80 characters of letters, digits, '-', '_' and '.' (what Rondo uses).
const VALID = /^[A-Za-z0-9_.-]{1,80}$/;

describe('execution names', () => {
  it('keeps a plain instance id readable', () => {
    expect(retryExecutionName('daily.20260101T0000Z.load', 2)).toBe('daily.20260101T0000Z.load-a2');
    expect(retryExecutionName('daily.20260101T0000Z.load', 2, 7)).toBe('daily.20260101T0000Z.load-a2-r7');
  });

  it('gives an iteration and a task whose id reads the same once sanitized two different names', () => {
    const iteration = retryExecutionName('daily.20260101T0000Z.each~1~2', 1);
    const task = retryExecutionName('daily.20260101T0000Z.each_1_2', 1);
    expect(iteration).not.toBe(task);
    expect(iteration).toMatch(VALID);
  });

  it('cuts a long name to the limit with a digest, still unique', () => {
    const long = `${'w'.repeat(64)}.20260101T0000Z.${'t'.repeat(64)}`;
    const a = retryExecutionName(long, 1);
    const b = retryExecutionName(long, 2);
    expect(a).toMatch(VALID);
    expect(a).not.toBe(b);
    expect(loopExecutionName(long, 1)).toMatch(VALID);
    expect(loopExecutionName(long, 1)).not.toBe(a);
  });
});
