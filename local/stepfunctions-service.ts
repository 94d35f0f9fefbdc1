// Local Step Functions: runs the deployed ASL definitions with aws-local-stepfunctions,
// routing Lambda tasks to the local Lambda service. Serves StartExecution (idempotent by
// name, as in AWS), DescribeExecution, StopExecution and ListExecutions.
import { StateMachine } from 'aws-local-stepfunctions';
import { AwsServiceError, type JsonOperation } from './aws-endpoint.ts';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './constants.ts';
import type { LocalLambdaService } from './lambda-service.ts';

type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
type Execution = {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  abort?: () => void;
  stopRequested?: boolean;
  done: Promise<void>;
};

type AslState = {
  Type?: string;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  Iterator?: { States?: Record<string, AslState> };
  ItemProcessor?: { States?: Record<string, AslState> };
  Branches?: { States?: Record<string, AslState> }[];
};
type AslDefinition = { States: Record<string, AslState> };

const LAMBDA_INVOKE_INTEGRATION = 'arn:aws:states:::lambda:invoke';

/**
 * Execution names: 1 to 80 characters, none of whitespace, brackets, wildcards, the special
 * characters " # % \ ^ | ~ ` $ & , ; : / or control characters (StartExecution `name`).
 */
const VALID_EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]{1,80}$/u;

export const stateMachineArn = (name: string) =>
  `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${name}`;

export class LocalStepFunctions {
  #machines = new Map<
    string,
    { machine: StateMachine; handlers: Record<string, (input: unknown) => Promise<unknown>> }
  >();
  #executions = new Map<string, Execution>();
  readonly #lambda: LocalLambdaService;
  onExecutionFailed: (execution: { executionArn: string; error?: string; cause?: string }) => void = () => {};

  constructor(lambda: LocalLambdaService) {
    this.#lambda = lambda;
  }

  createStateMachine(name: string, definition: AslDefinition): string {
    const arn = stateMachineArn(name);
    const machine = new StateMachine(definition as ConstructorParameters<typeof StateMachine>[0]);
    this.#machines.set(arn, { machine, handlers: this.#taskHandlers(definition.States) });
    return arn;
  }

  /** Lambda-backed Task states, by state name (nested Map and Parallel states included). */
  #taskHandlers(states: Record<string, AslState>): Record<string, (input: unknown) => Promise<unknown>> {
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task' && state.Resource?.startsWith('arn:aws:lambda:')) {
        const resource = state.Resource;
        handlers[name] = (input) => this.#lambda.invoke(resource, input);
      } else if (state.Type === 'Task' && state.Resource?.startsWith(LAMBDA_INVOKE_INTEGRATION)) {
        handlers[name] = async (input) => {
          const params = input as { FunctionName: string; Payload?: unknown };
          const payload = await this.#lambda.invoke(params.FunctionName, params.Payload);
          return { Payload: payload, StatusCode: 200, ExecutedVersion: '$LATEST' };
        };
      }
      const nested = [state.Iterator, state.ItemProcessor, ...(state.Branches ?? [])];
      for (const child of nested)
        if (child?.States) Object.assign(handlers, this.#taskHandlers(child.States));
    }
    return handlers;
  }

  operations(): Record<string, JsonOperation> {
    return {
      StartExecution: (input) => this.#start(input),
      DescribeExecution: (input) => this.#describe(String(input.executionArn)),
      StopExecution: (input) => {
        const execution = this.#get(String(input.executionArn));
        execution.stopRequested = true;
        execution.abort?.();
        return { stopDate: Date.now() / 1000 };
      },
      ListExecutions: (input) => ({
        executions: [...this.#executions.values()]
          .filter((e) => e.stateMachineArn === input.stateMachineArn)
          .filter((e) => !input.statusFilter || e.status === input.statusFilter)
          .map((e) => ({
            executionArn: e.executionArn,
            stateMachineArn: e.stateMachineArn,
            name: e.name,
            status: e.status,
            startDate: e.startDate / 1000,
          })),
      }),
    };
  }

  /** Waits until every execution under way has ended. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#executions.values()].map((e) => e.done));
  }

  list(): Execution[] {
    return [...this.#executions.values()];
  }

  #start(input: Record<string, unknown>) {
    const arn = String(input.stateMachineArn);
    const entry = this.#machines.get(arn);
    if (!entry)
      throw new AwsServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    const name = typeof input.name === 'string' ? input.name : crypto.randomUUID();
    if (!VALID_EXECUTION_NAME.test(name)) throw new AwsServiceError('InvalidName', `Invalid Name: '${name}'`);
    const executionArn = `${arn.replace(':stateMachine:', ':execution:')}:${name}`;
    const rawInput = typeof input.input === 'string' ? input.input : '{}';
    let parsedInput: Parameters<StateMachine['run']>[0];
    try {
      parsedInput = JSON.parse(rawInput);
    } catch {
      throw new AwsServiceError(
        'InvalidExecutionInput',
        `Invalid State Machine Execution Input: '${rawInput}'`,
      );
    }
    const existing = this.#executions.get(executionArn);
    if (existing) {
      // AWS: the same name and input while running answers the same execution; else it refuses.
      if (existing.status === 'RUNNING' && existing.input === rawInput) {
        return { executionArn, startDate: existing.startDate / 1000 };
      }
      throw new AwsServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const run = entry.machine.run(parsedInput, {
      overrides: { taskResourceLocalHandlers: entry.handlers as never },
      noThrowOnAbort: true,
    });
    const execution: Execution = {
      executionArn,
      stateMachineArn: arn,
      name,
      input: rawInput,
      status: 'RUNNING',
      startDate: Date.now(),
      abort: run.abort,
      done: Promise.resolve(),
    };
    execution.done = run.result.then(
      (output) => {
        execution.stopDate = Date.now();
        // Aborted (its result is null) only when stopped; a machine may output null itself.
        const aborted = output === null && execution.stopRequested === true;
        execution.status = aborted ? 'ABORTED' : 'SUCCEEDED';
        if (!aborted) execution.output = JSON.stringify(output);
      },
      (error: unknown) => {
        execution.stopDate = Date.now();
        execution.status = 'FAILED';
        execution.error = error instanceof Error ? error.name : 'Error';
        execution.cause = error instanceof Error ? error.message : String(error);
        this.onExecutionFailed(execution);
      },
    );
    this.#executions.set(executionArn, execution);
    return { executionArn, startDate: execution.startDate / 1000 };
  }

  #get(executionArn: string): Execution {
    const execution = this.#executions.get(executionArn);
    if (!execution)
      throw new AwsServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return execution;
  }

  #describe(executionArn: string) {
    const e = this.#get(executionArn);
    return {
      executionArn: e.executionArn,
      stateMachineArn: e.stateMachineArn,
      name: e.name,
      status: e.status,
      startDate: e.startDate / 1000,
      ...(e.stopDate ? { stopDate: e.stopDate / 1000 } : {}),
      input: e.input,
      ...(e.output === undefined ? {} : { output: e.output }),
      ...(e.error ? { error: e.error, cause: e.cause } : {}),
    };
  }
}
