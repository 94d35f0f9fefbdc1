// The functions' metrics and correlation keys: what reaches CloudWatch as embedded-metric
// documents (read back from stdout, as CloudWatch reads them from the log), and which keys
// ride on log lines while an instance is handled.
import type { Logger } from '@aws-lambda-powertools/logger';
import { Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEngineMetrics, logger, loggerFor } from '../../../functions/commons/observability.ts';
import { METRIC } from '../../../shared/ports/metrics.ts';

type EmfDocument = {
  _aws: {
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
};

/** Runs `publish` and answers the EMF documents it printed. */
function printed(publish: () => void): EmfDocument[] {
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    publish();
  } finally {
    write.mockRestore();
  }
  return lines
    .join('')
    .split('\n')
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as EmfDocument);
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('engine metrics', () => {
  const publisher = () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    return new PowertoolsMetrics({ namespace: 'Rondo/test', serviceName: 'rondo' });
  };

  it('sums counts per status into one document each, whatever the batch size', () => {
    const target = publisher();
    const metrics = createEngineMetrics(target);
    for (let i = 0; i < 40; i++) metrics.add(METRIC.instanceStatus, 'Count', 1, { status: 'SUCCESS' });
    metrics.add(METRIC.instanceStatus, 'Count', 1, { status: 'FAILED' });
    metrics.add(METRIC.instanceStatus, 'Count', 2, { status: 'FAILED' });
    const documents = printed(() => metrics.flush());
    expect(documents).toHaveLength(2);
    const byStatus = Object.fromEntries(documents.map((d) => [d.status, d[METRIC.instanceStatus]]));
    expect(byStatus).toEqual({ SUCCESS: 40, FAILED: 3 });
    for (const document of documents) {
      const [directive] = document._aws.CloudWatchMetrics;
      expect(directive?.Namespace).toBe('Rondo/test');
      expect(directive?.Dimensions[0]).toEqual(expect.arrayContaining(['service', 'status']));
      expect(directive?.Metrics).toEqual([{ Name: METRIC.instanceStatus, Unit: 'Count' }]);
    }
    // Flushed means gone: the next invocation starts from zero.
    expect(printed(() => metrics.flush())).toEqual([]);
  });

  it('keeps each latency value, so CloudWatch sees the distribution', () => {
    const target = publisher();
    const metrics = createEngineMetrics(target);
    for (const ms of [12, 30, 250]) metrics.add(METRIC.dispatchLatency, 'Milliseconds', ms);
    metrics.add(METRIC.retries, 'Count', 1);
    const [document, ...rest] = printed(() => target.publishStoredMetrics());
    expect(rest).toEqual([]);
    expect(document?.[METRIC.dispatchLatency]).toEqual([12, 30, 250]);
    expect(document?.[METRIC.retries]).toBe(1);
    expect(document?._aws.CloudWatchMetrics[0]?.Metrics).toEqual(
      expect.arrayContaining([
        { Name: METRIC.dispatchLatency, Unit: 'Milliseconds' },
        { Name: METRIC.retries, Unit: 'Count' },
      ]),
    );
  });
});

describe('correlation keys', () => {
  // Whatever level the environment set (an embedded runtime started in this process sets WARN).
  let level: ReturnType<typeof logger.getLevelName>;
  beforeAll(() => {
    level = logger.getLevelName();
    logger.setLogLevel('INFO');
  });
  afterAll(() => logger.setLogLevel(level));

  /** The log line `log.info` writes now, as CloudWatch Logs would store it. */
  const logLine = (log: Logger) => {
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      log.info('handled');
    } finally {
      write.mockRestore();
    }
    return JSON.parse(lines.join('').trim()) as Record<string, unknown>;
  };

  it("put the instance, its run and the attempt on every line of the instance's logger", () => {
    expect(logLine(loggerFor('etl.20260101T0000Z.load', 3))).toMatchObject({
      message: 'handled',
      instanceId: 'etl.20260101T0000Z.load',
      runId: 'etl.20260101T0000Z',
      attempt: 3,
    });
    expect(logLine(loggerFor('etl.20260101T0000Z.fan~1~7'))).toMatchObject({
      instanceId: 'etl.20260101T0000Z.fan~1~7',
      runId: 'etl.20260101T0000Z',
    });
  });

  it('leave the process logger and the other records of a batch as they are', () => {
    const first = loggerFor('etl.20260101T0000Z.a', 1);
    const second = loggerFor('etl.20260102T0000Z.b', 2);
    expect(logLine(first)).toMatchObject({ instanceId: 'etl.20260101T0000Z.a', attempt: 1 });
    expect(logLine(second)).toMatchObject({
      instanceId: 'etl.20260102T0000Z.b',
      runId: 'etl.20260102T0000Z',
      attempt: 2,
    });
    const plain = logLine(logger);
    for (const key of ['instanceId', 'runId', 'attempt']) expect(plain).not.toHaveProperty(key);
  });
});
