// `RondoWorkflow`: a Rondo workflow declared in a team's own CDK app, next to the functions
// its tasks call. The definition is the API's document, typed; it is validated when the app
// synthesizes (an invalid one fails `cdk synth` with the same messages the API gives), and
// deployed by a custom resource whose provider saves it with Rondo's own code: same
// validation, a new version only when it changed, its schedule created, updated or removed.
import { CustomResource, Fn, Stack, Token, Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { OnDelete } from '../../shared/engine/workflow-resources.ts';
import { validateWorkflowDefinition } from '../../shared/engine/workflows.ts';
import { ValidationError } from '../../shared/errors.ts';
import type { WorkflowDefinition, WorkflowDefinitionInput } from '../../shared/model/workflow.ts';
import { workflowServiceTokenExport } from '../topology.ts';

export type RondoWorkflowProps = {
  /**
   * Rondo's workflow provider: `rondoStack.workflowProvider.serviceToken` in the same app,
   * or `RondoWorkflow.serviceTokenOf('prod')` for a stage deployed from elsewhere.
   */
  serviceToken: string;
  /** The workflow definition, exactly as `PUT /v1/workflows/{id}` takes it. */
  definition: WorkflowDefinitionInput;
  /**
   * What removing the resource (or the stack) does: `DELETE` the workflow (its versions and
   * runs stay readable, as with the API's delete), `PAUSE` its schedule and keep it, or
   * `RETAIN` it untouched. Default `DELETE`.
   */
  onDelete?: OnDelete;
  /** The workflow's owner when the resource creates it (default `cloudformation`). */
  owner?: string;
};

export class RondoWorkflow extends Construct {
  /** The service token exported by a deployed Rondo stage (`rondo-<stage>-workflow-service-token`). */
  static serviceTokenOf(stage: string): string {
    return Fn.importValue(workflowServiceTokenExport(stage));
  }

  readonly workflowId: string;
  /**
   * The definition with its defaults as the save will fill them (absent when it is not
   * valid); a CDK token in it reads `cdk-token` here, its deployed value in Rondo.
   */
  readonly definition?: WorkflowDefinition;
  /** The workflow's version after the deployment (a CloudFormation attribute). */
  readonly version: string;

  constructor(scope: Construct, id: string, props: RondoWorkflowProps) {
    super(scope, id);
    this.workflowId = props.definition.id;
    let definition: WorkflowDefinition | undefined;
    try {
      // Tokens (a function's name, a queue's URL) resolve at deployment: checked as placeholders.
      definition = validateWorkflowDefinition(withPlaceholders(props.definition));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      // Synthesis fails with every fault, each with its path in the definition.
      const faults = error.details.map(
        (d) => `${d.path || '(definition)'}: ${d.message} (${d.code ?? error.code})`,
      );
      this.node.addValidation({
        validate: () => [
          `Rondo workflow '${this.workflowId}': ${error.message}`,
          ...faults.map((fault) => `  ${fault}`),
        ],
      });
    }
    if (definition) this.definition = definition;
    const resource = new CustomResource(this, 'Resource', {
      serviceToken: props.serviceToken,
      resourceType: 'Custom::RondoWorkflow',
      properties: {
        WorkflowId: this.workflowId,
        // CloudFormation hands custom resources strings only: the document travels as JSON,
        // tokens included (CDK renders them into the string with Fn::Join). The save fills defaults.
        Definition: Stack.of(this).toJsonString(props.definition),
        OnDelete: props.onDelete ?? 'DELETE',
        ...(props.owner ? { Owner: props.owner } : {}),
      },
    });
    if (/\$\{(?!Token\[)/.test(JSON.stringify(props.definition))) {
      Validations.of(resource).acknowledge({
        id: 'CloudFormation-Validate::E1029',
        reason:
          "The dollar-brace placeholders in the definition (data-time formats, upstream outputs, for-each items) are Rondo's templates, rendered by Rondo at each attempt: CloudFormation substitutes only inside Fn::Sub, and the definition is a plain string.",
      });
    }
    this.version = resource.getAttString('Version');
  }
}

/** A copy with every unresolved CDK token replaced by a neutral value of its type. */
function withPlaceholders<T>(value: T): T {
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') {
      return Token.isUnresolved(v) ? v.replace(/\$\{Token\[[^\]]+\]\}/g, 'cdk-token') : v;
    }
    if (typeof v === 'number') return Token.isUnresolved(v) ? 1 : v;
    if (Array.isArray(v)) return v.map(visit);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, visit(x)]));
    return v;
  };
  return visit(value) as T;
}
