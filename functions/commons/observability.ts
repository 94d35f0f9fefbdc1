// Logs, metrics and traces of every Rondo function, with Powertools: one JSON logger, one
// embedded-metrics publisher and one X-Ray tracer per process, set up by POWERTOOLS_*
// variables (service, log level, metrics namespace), and one middy middleware stack that
// every handler wears. Outside Lambda the tracer turns itself off.
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics as PowertoolsMetrics, MetricUnit as PowertoolsUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { parseInstanceId } from '#shared/model/ids.ts';
import type { MetricName, Metrics, MetricUnit } from '#shared/ports/metrics.ts';

const SERVICE = 'rondo';

export const logger = new Logger({ serviceName: SERVICE });
export const tracer = new Tracer({ serviceName: SERVICE });
export const powertoolsMetrics = new PowertoolsMetrics({ serviceName: SERVICE });

const UNITS: Record<MetricUnit, (typeof PowertoolsUnit)[keyof typeof PowertoolsUnit]> = {
  Count: PowertoolsUnit.Count,
  Milliseconds: PowertoolsUnit.Milliseconds,
};

/**
 * The engine's Metrics port over Powertools. Plain metrics go into the invocation's one
 * EMF document (repeated values become a distribution); dimensioned counts are summed per
 * dimension set and flushed as one document each, so a batch of a hundred transitions
 * costs a handful of log lines, not a hundred.
 */
export function createEngineMetrics(target: PowertoolsMetrics = powertoolsMetrics) {
  const sums = new Map<
    string,
    { name: MetricName; unit: MetricUnit; dimensions: Record<string, string>; value: number }
  >();
  const metrics: Metrics & { flush(): void } = {
    add(name, unit, value, dimensions) {
      if (!dimensions || Object.keys(dimensions).length === 0) {
        target.addMetric(name, UNITS[unit], value);
        return;
      }
      const key = JSON.stringify([name, unit, Object.entries(dimensions).sort()]);
      const sum = sums.get(key);
      if (sum) sum.value += value;
      else sums.set(key, { name, unit, dimensions, value });
    },
    flush() {
      for (const { name, unit, dimensions, value } of sums.values()) {
        const single = target.singleMetric();
        for (const [dimension, dimensionValue] of Object.entries(dimensions)) {
          single.addDimension(dimension, dimensionValue);
        }
        single.addMetric(name, UNITS[unit], value);
      }
      sums.clear();
    },
  };
  return metrics;
}

export const engineMetrics = createEngineMetrics();

/**
 * Counts cold starts, and publishes the invocation's metrics when it ends, failed ones too.
 * (Powertools' logMetrics would also warn on every invocation that recorded none, as most
 * API calls do.)
 */
const publishMetrics = (): MiddlewareObj<unknown, unknown, Error, Context> => {
  const publish = () => {
    engineMetrics.flush();
    if (powertoolsMetrics.hasStoredMetrics()) powertoolsMetrics.publishStoredMetrics();
  };
  return {
    // Per function: without the name, every function's cold starts would share one series.
    before: (request) => powertoolsMetrics.captureColdStartMetric(request.context.functionName),
    after: publish,
    onError: publish,
  };
};

/**
 * The middlewares every handler wears, outermost first: the Lambda context and a fresh set
 * of correlation keys on every log line, an X-Ray segment for the handler, and the
 * invocation's metrics (with cold starts) published when it ends.
 */
export function observed(): MiddlewareObj[] {
  return [
    injectLambdaContext(logger, { resetKeys: true }),
    captureLambdaHandler(tracer, { captureResponse: false }),
    publishMetrics(),
  ];
}

/**
 * A logger for one instance: its id, run and attempt ride on every line it writes. A child
 * of the process's logger, not a change to it, so the records of one batch (handled in
 * parallel) and concurrent invocations of the embedded runtime keep their own keys.
 */
export function loggerFor(instanceId: string, attempt?: number): Logger {
  const runId = parseInstanceId(instanceId)?.runId;
  return logger.createChild({
    persistentKeys: { instanceId, ...(runId ? { runId } : {}), ...(attempt ? { attempt } : {}) },
  });
}

/** Makes an invocation about one instance findable by its id in X-Ray (single-event handlers only). */
export function annotateTrace(instanceId: string): void {
  tracer.putAnnotation('instanceId', instanceId);
}
