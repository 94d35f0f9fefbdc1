// AWS list prices used by the benchmark's cost model: us-east-1 (N. Virginia), on-demand, no
// free tier, no Savings Plans, no volume tiers beyond the first. Each price names where it was
// read and when; `confirmed: false` marks a figure the stored official page did not show
// (its rate tables are rendered client-side) and that comes from a secondary source instead.

export type Price = {
  /** US dollars per one `unit`. */
  usd: number;
  unit: string;
  source: string;
  /** The day the source was read (YYYY-MM-DD). */
  checked: string;
  /** Whether the figure was read on AWS's own pages (else from the secondary source named). */
  confirmed: boolean;
  note?: string;
};

const CHECKED = '2026-11-22';
const PER_MILLION = 1e-6;

export const PRICES = {
  dynamoDbWriteRequestUnit: {
    usd: 0.625 * PER_MILLION,
    unit: 'write request unit (on-demand, standard table class)',
    source:
      'https://aws.amazon.com/dynamodb/pricing/on-demand/ (unit definitions); figure from ' +
      'https://airbyte.com/data-engineering-resources/dynamodb-pricing (after the November 2024 cut)',
    checked: CHECKED,
    confirmed: false,
    note:
      'One WRU writes up to 1 KB; transactional writes take 2 WRU per KB; every GSI the item ' +
      'is projected to is written (and billed) too. The stored AWS page shows the unit ' +
      'definitions but not the rate.',
  },
  dynamoDbReadRequestUnit: {
    usd: 0.125 * PER_MILLION,
    unit: 'read request unit (on-demand, standard table class)',
    source:
      'https://aws.amazon.com/dynamodb/pricing/on-demand/ (unit definitions); figure from ' +
      'https://airbyte.com/data-engineering-resources/dynamodb-pricing (after the November 2024 cut)',
    checked: CHECKED,
    confirmed: false,
    note:
      'One RRU: a strongly consistent read of up to 4 KB (an eventually consistent read is ' +
      'half a unit, a transactional read two). Query reads are summed over the items ' +
      'returned, then rounded up to 4 KB.',
  },
  sqsStandardRequest: {
    usd: 0.4 * PER_MILLION,
    unit: 'SQS standard-queue request (each 64 KB chunk of a payload is one request)',
    source:
      'https://aws.amazon.com/sqs/pricing/ (not shown in the stored copy); figure from ' +
      'https://cloudburn.io/blog/amazon-sqs-pricing and ' +
      'https://unanswered.io/guide/aws-sqs-pricing-and-cost-optimization',
    checked: CHECKED,
    confirmed: false,
    note:
      'First 100 billion requests a month; 1 million free a month (ignored here). Lambda ' +
      "event-source-mapping pollers' ReceiveMessage and DeleteMessageBatch calls, empty " +
      'long polls included, are billed to the queue owner as ordinary requests.',
  },
  lambdaRequest: {
    usd: 0.2 * PER_MILLION,
    unit: 'Lambda invocation (request)',
    source:
      'https://aws.amazon.com/lambda/pricing/ (rate tables rendered client-side); figure from ' +
      'https://cloudchipr.com/blog/aws-lambda-pricing',
    checked: CHECKED,
    confirmed: false,
    note: 'The same rate for x86_64 and arm64.',
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    unit: 'Lambda GB-second, arm64 (first 7.5 billion GB-seconds a month)',
    source:
      'https://aws.amazon.com/lambda/pricing/ (rate tables rendered client-side); figure from ' +
      'https://cloudchipr.com/blog/aws-lambda-pricing and artillery ' +
      'lib/platform/aws-lambda/prices.js (arm64 1333340e-11)',
    checked: CHECKED,
    confirmed: false,
    note: 'Billed duration is rounded up to the millisecond; memory is the configured size.',
  },
  stepFunctionsStateTransition: {
    usd: 0.025 / 1000,
    unit: 'Step Functions Standard state transition',
    source: 'https://aws.amazon.com/step-functions/pricing/ ($0.0250 per 1,000 in US East (N. Virginia))',
    checked: CHECKED,
    confirmed: true,
    note: 'Retries count as additional transitions; 4,000 free a month (ignored here).',
  },
  eventBridgeCustomEvent: {
    usd: 1.0 * PER_MILLION,
    unit: 'EventBridge custom event put on an event bus (each 64 KB chunk of an event is one)',
    source:
      'https://aws.amazon.com/eventbridge/pricing/ (not read here); figure from ' +
      'https://cloudburn.io/blog/amazon-eventbridge-pricing and https://blog.awsfundamentals.com/aws-eventbridge-pricing-guide',
    checked: CHECKED,
    confirmed: false,
    note: "Rondo's status-change events: one per instance or run status change.",
  },
  schedulerInvocation: {
    usd: 1.0 * PER_MILLION,
    unit: 'EventBridge Scheduler scheduled invocation',
    source:
      'https://aws.amazon.com/eventbridge/pricing/ (stored copy shows only the event-bus part); ' +
      'AWS Price List (huggingface.co/datasets/labofsahil/aws-pricing-dataset, AWSEvents.csv) ' +
      'shows 14 million free a month and $1.25/million in Tokyo',
    checked: CHECKED,
    confirmed: false,
    note: 'The us-east-1 rate of $1.00/million is NOT confirmed by a stored source; 14M/month free ignored.',
  },
} satisfies Record<string, Price>;

export type PriceName = keyof typeof PRICES;
