import { describe, expect, it } from 'vitest';
import { readiness, type UpstreamState } from '#shared/engine/readiness.ts';

const up = (condition: UpstreamState['condition'], status: UpstreamState['status']): UpstreamState => ({
  condition,
  status,
});

describe('readiness: the all-upstreams rule of PRODUCT.md §3', () => {
  it('runs a task with no upstream at once', () => {
    expect(readiness([])).toBe('RUN');
  });

  it('waits while any upstream is unfinished, before looking at anything else', () => {
    expect(readiness([up('SUCCESS', 'FAILED'), up('SUCCESS', 'RUNNING')])).toBe('WAIT');
    expect(readiness([up('ALWAYS', 'RETRYING')])).toBe('WAIT');
    expect(readiness([up('FAILURE', 'WAITING_UPSTREAM')])).toBe('WAIT');
  });

  it('is blocked, not failed, when a SUCCESS edge upstream failed or was terminated', () => {
    expect(readiness([up('SUCCESS', 'FAILED')])).toBe('BLOCKED');
    expect(readiness([up('SUCCESS', 'TERMINATED'), up('FAILURE', 'SUCCESS')])).toBe('BLOCKED');
  });

  it('meets FAILURE edges with FAILED or TERMINATED and skips on success', () => {
    expect(readiness([up('FAILURE', 'FAILED')])).toBe('RUN');
    expect(readiness([up('FAILURE', 'TERMINATED')])).toBe('RUN');
    expect(readiness([up('FAILURE', 'SUCCESS')])).toBe('SKIP');
  });

  it('propagates SKIPPED through SUCCESS and FAILURE edges; ALWAYS treats it as finished', () => {
    expect(readiness([up('SUCCESS', 'SKIPPED')])).toBe('SKIP');
    expect(readiness([up('FAILURE', 'SKIPPED')])).toBe('SKIP');
    expect(readiness([up('ALWAYS', 'SKIPPED')])).toBe('RUN');
  });

  it('runs an ALWAYS edge whatever its upstream ended with', () => {
    for (const status of ['SUCCESS', 'FAILED', 'TERMINATED', 'SKIPPED'] as const) {
      expect(readiness([up('ALWAYS', status)])).toBe('RUN');
    }
  });
});
