// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the '${…}' strings are Rondo templates, not JavaScript ones.
// RondoWorkflow in a team's own CDK app: the template carries the definition (with its
// defaults) for Rondo's provider, and a definition the API would refuse fails synthesis
// with the API's own messages and paths.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { TeamPipelinesStack } from '../../examples/cdk/team-pipelines.ts';
import { PROJECT_ROOT } from '../../infra/constructs/rondo-function.ts';
import { RondoWorkflow } from '../../infra/constructs/rondo-workflow.ts';
import { RondoStack } from '../../infra/rondo-stack.ts';
import { workflowServiceTokenExport } from '../../infra/topology.ts';
import { validateWorkflowDefinition } from '../../shared/engine/workflows.ts';
import type { WorkflowDefinitionInput } from '../../shared/model/workflow.ts';

const ordersDaily = parseYaml(
  readFileSync(join(PROJECT_ROOT, 'examples', 'workflows', 'orders-daily.yaml'), 'utf8'),
) as WorkflowDefinitionInput;

type CustomResourceProps = {
  ServiceToken: unknown;
  WorkflowId: string;
  Definition: string;
  OnDelete: string;
  Owner?: string;
};

function teamApp() {
  const { context } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
}

function workflowResources(stack: Stack) {
  return Object.values(Template.fromStack(stack).findResources('Custom::RondoWorkflow')) as {
    Properties: CustomResourceProps;
    DeletionPolicy?: string;
  }[];
}

describe('RondoWorkflow', () => {
  it("synthesizes a Custom::RondoWorkflow carrying the validated definition for a deployed stage's provider", () => {
    const app = teamApp();
    const stack = new Stack(app, 'team-pipelines');
    const workflow = new RondoWorkflow(stack, 'OrdersDaily', {
      serviceToken: RondoWorkflow.serviceTokenOf('prod'),
      definition: ordersDaily,
      onDelete: 'PAUSE',
      owner: 'data-team',
    });
    const [resource, ...others] = workflowResources(stack);
    expect(others).toEqual([]);
    expect(resource?.Properties).toEqual({
      ServiceToken: { 'Fn::ImportValue': workflowServiceTokenExport('prod') },
      WorkflowId: 'orders-daily',
      Definition: expect.any(String),
      OnDelete: 'PAUSE',
      Owner: 'data-team',
    });
    // The document as written; the save fills in its defaults, as the construct's own check did.
    expect(JSON.parse(resource?.Properties.Definition as string)).toEqual(ordersDaily);
    expect(workflow.definition).toEqual(validateWorkflowDefinition(ordersDaily));
    expect(stack.resolve(workflow.version)).toEqual({
      'Fn::GetAtt': [stack.getLogicalId(workflow.node.defaultChild as CfnElement), 'Version'],
    });
  });

  it("takes the provider of a Rondo stack in the same app, through the stack's export", () => {
    const app = teamApp();
    const rondo = new RondoStack(app, 'rondo-dev', { stage: 'dev' });
    const team = new Stack(app, 'team-pipelines');
    new RondoWorkflow(team, 'Hello', {
      serviceToken: rondo.workflowProvider.serviceToken,
      definition: { id: 'hello', name: 'Hello', tasks: [{ id: 'only', type: 'noop' }] },
    });
    const [resource] = workflowResources(team);
    expect(resource?.Properties.OnDelete).toBe('DELETE');
    expect(JSON.stringify(resource?.Properties.ServiceToken)).toContain('Fn::ImportValue');
    expect(JSON.parse(resource?.Properties.Definition ?? '{}')).toEqual({
      id: 'hello',
      name: 'Hello',
      tasks: [{ id: 'only', type: 'noop' }],
    });
    const outputs = Template.fromStack(rondo).findOutputs('WorkflowServiceToken');
    expect((outputs.WorkflowServiceToken as { Export: { Name: string } }).Export.Name).toBe(
      workflowServiceTokenExport('dev'),
    );
  });

  it('synthesizes the example team app (examples/cdk/team-pipelines.ts): one workflow from YAML, one typed in TypeScript', () => {
    const stack = new TeamPipelinesStack(teamApp(), 'team-pipelines', {
      serviceToken: RondoWorkflow.serviceTokenOf('dev'),
    });
    const resources = workflowResources(stack);
    expect(resources.map((r) => [r.Properties.WorkflowId, r.Properties.OnDelete])).toEqual([
      ['orders-daily', 'PAUSE'],
      ['nightly-cleanup', 'DELETE'],
    ]);
    expect(stack.workflows.map((w) => w.definition?.schedule?.timezone)).toEqual(['UTC', 'Europe/Paris']);
  });

  it("takes the team's own resources in a definition: tokens are checked as placeholders and rendered at deployment", () => {
    const app = teamApp();
    const stack = new Stack(app, 'team-pipelines');
    const loader = new LambdaFunction(stack, 'Loader', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => ({})'),
      functionName: 'rondo-task-loader',
    });
    const queue = new Queue(stack, 'Done');
    new RondoWorkflow(stack, 'Load', {
      serviceToken: RondoWorkflow.serviceTokenOf('dev'),
      definition: {
        id: 'load',
        name: 'Load',
        tasks: [
          { id: 'load', type: 'lambda', config: { function: loader.functionName }, timeoutSeconds: 600 },
          {
            id: 'tell',
            type: 'http',
            config: { method: 'POST', url: queue.queueUrl, body: { day: '${yyyyMMdd}' } },
          },
        ],
        edges: [{ from: 'load', to: 'tell' }],
      },
    });
    const [resource] = workflowResources(stack);
    // CDK joins the resolved names into the JSON text at deployment.
    const joined = JSON.stringify(resource?.Properties.Definition);
    expect(joined).toContain('Fn::Join');
    expect(joined).toContain(stack.getLogicalId(loader.node.defaultChild as CfnElement));
    expect(joined).toContain(stack.getLogicalId(queue.node.defaultChild as CfnElement));
    expect(joined).toContain('${yyyyMMdd}');
  });

  it('fails synthesis with every validation fault and its path, as the API would answer', () => {
    const app = teamApp();
    const stack = new Stack(app, 'team-pipelines');
    new RondoWorkflow(stack, 'Broken', {
      serviceToken: RondoWorkflow.serviceTokenOf('dev'),
      definition: {
        ...ordersDaily,
        edges: [...(ordersDaily.edges ?? []), { from: 'publish-report', to: 'extract' }],
      },
    });
    new RondoWorkflow(stack, 'BadTemplate', {
      serviceToken: RondoWorkflow.serviceTokenOf('dev'),
      definition: {
        id: 'bad-template',
        name: 'Bad template',
        tasks: [{ id: 'call', type: 'http', config: { url: '[DYNAMIC_PARAMS.missing]/x' } }],
      },
    });
    let message = '';
    try {
      app.synth();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("Rondo workflow 'orders-daily': The workflow graph is not valid");
    expect(message).toMatch(/edges: the edges form a cycle: .*publish-report → extract.* \(CYCLE\)/);
    expect(message).toContain("Rondo workflow 'bad-template': The workflow references are not valid");
    expect(message).toMatch(/tasks\[0\]\.config\.url: .*missing/);
  });
});
