import { Logger } from '@aws-lambda-powertools/logger';

/** One structured JSON logger per process; POWERTOOLS_* variables set its level and service. */
export const logger = new Logger({ serviceName: 'rondo' });
