// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the '${…}' strings are Rondo templates, not JavaScript ones.
// A team's own CDK app declaring its Rondo workflows next to the rest of its stack: one
// written in TypeScript (typed by the definition's own types), one kept as a YAML file
// that `rondo apply` could deploy as well. `cdk synth` fails on an invalid definition.
//
//   import { RondoWorkflow, type WorkflowDefinitionInput } from 'rondo/cdk';
//   new TeamPipelinesStack(app, 'team-pipelines', { serviceToken: RondoWorkflow.serviceTokenOf('prod') });
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { parse as parseYaml } from 'yaml';
import { RondoWorkflow, type WorkflowDefinitionInput } from '../../infra/cdk.ts';

const nightlyCleanup: WorkflowDefinitionInput = {
  id: 'nightly-cleanup',
  name: 'Nightly cleanup',
  folder: '/examples/ops',
  schedule: { cycle: 'DAY', expression: 'cron(30 1 * * ? *)', timezone: 'Europe/Paris' },
  tasks: [
    {
      id: 'expire-exports',
      type: 'lambda',
      config: { function: 'rondo-task-expire-exports', payload: { before: '${yyyy-MM-dd-7d}' } },
      retry: { maxRetries: 2, intervalSeconds: 300, backoffRate: 2 },
    },
  ],
};

export class TeamPipelinesStack extends Stack {
  readonly workflows: RondoWorkflow[];

  constructor(scope: Construct, id: string, props: StackProps & { serviceToken: string }) {
    super(scope, id, props);
    const ordersDaily = parseYaml(
      readFileSync(join(import.meta.dirname, '..', 'workflows', 'orders-daily.yaml'), 'utf8'),
    ) as WorkflowDefinitionInput;
    this.workflows = [
      // Removing it from the app pauses its schedule rather than deleting it.
      new RondoWorkflow(this, 'OrdersDaily', {
        serviceToken: props.serviceToken,
        definition: ordersDaily,
        onDelete: 'PAUSE',
        owner: 'data-team',
      }),
      new RondoWorkflow(this, 'NightlyCleanup', {
        serviceToken: props.serviceToken,
        definition: nightlyCleanup,
      }),
    ];
  }
}
