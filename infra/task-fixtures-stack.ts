// The task functions the integration suite's workflows call (`lambda` tasks), deployed for
// the LocalStack path under the names the embedded runtime gives them (the module's name).
// `npm run deploy:local` adds this stack; it is never part of a real deployment.
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { PROJECT_ROOT, RondoFunction } from './constructs/rondo-function.ts';

/** Where the embedded runtime finds task functions in the integration suite. */
export const TASK_FIXTURE_DIRS = ['examples/functions', 'test/fixtures/functions'];

export class TaskFixturesStack extends Stack {
  readonly functionNames: string[] = [];

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    for (const dir of TASK_FIXTURE_DIRS) {
      for (const file of readdirSync(join(PROJECT_ROOT, dir))
        .filter((f) => f.endsWith('.ts'))
        .sort()) {
        const name = basename(file, '.ts');
        new RondoFunction(this, `Fixture-${name}`, {
          entry: join(dir, file),
          functionName: name,
          description: `Integration-suite task function ${name} (LocalStack only)`,
          timeoutSeconds: 60,
          memoryMiB: 256,
          environment: {},
        });
        this.functionNames.push(name);
      }
    }
    Validations.of(this).acknowledge({
      id: 'Serverless::Serverless-LambdaDLQ',
      reason:
        'Test fixtures for the LocalStack path, invoked synchronously by Rondo attempts (RequestResponse); never deployed to a real account.',
    });
  }
}
