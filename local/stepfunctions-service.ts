// Local Step Functions: runs the deployed ASL definitions with aws-local-stepfunctions,
// routing Lambda tasks to the local Lambda service. Serves StartExecution (idempotent by
// name, as in AWS), DescribeExecution, StopExecution and ListExecutions, and the callback
// pattern the library lacks: a `lambda:invoke.waitForTaskToken` task hands the function a
// fresh token (`$$.Task.Token`) and waits for SendTaskSuccess or SendTaskFailure.
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
const WAIT_FOR_TASK_TOKEN = '.waitForTaskToken';
/** Stands for `$$.Task.Token` in a task's parameters until its handler puts the real token there. */
const TASK_TOKEN_PLACEHOLDER = '__rondo_local_task_token__';

type PendingTask = {
  executionArn: string;
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
};

/** A task failure reported with SendTaskFailure: its error name is what Retry and Catch match. */
class TaskFailure extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

/** `"key.$": "$$.Task.Token"` becomes `"key": <placeholder>`, at any depth of a task's parameters. */
function withTokenPlaceholder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withTokenPlaceholder);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) =>
      key.endsWith('.$') && inner === '$$.Task.Token'
        ? [key.slice(0, -2), TASK_TOKEN_PLACEHOLDER]
        : [key, withTokenPlaceholder(inner)],
    ),
  );
}

function withToken(value: unknown, token: string): unknown {
  if (value === TASK_TOKEN_PLACEHOLDER) return token;
  if (Array.isArray(value)) return value.map((v) => withToken(v, token));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withToken(inner, token)]));
}

/** The definition with every waitForTaskToken task's `$$.Task.Token` replaced by the placeholder. */
function prepareStates(states: Record<string, AslState>): Record<string, AslState> {
  return Object.fromEntries(
    Object.entries(states).map(([name, state]) => {
      const next: AslState = { ...state };
      if (state.Type === 'Task' && state.Resource?.endsWith(WAIT_FOR_TASK_TOKEN) && state.Parameters) {
        next.Parameters = withTokenPlaceholder(state.Parameters) as Record<string, unknown>;
      }
      if (state.Iterator?.States)
        next.Iterator = { ...state.Iterator, States: prepareStates(state.Iterator.States) };
      if (state.ItemProcessor?.States)
        next.ItemProcessor = { ...state.ItemProcessor, States: prepareStates(state.ItemProcessor.States) };
      if (state.Branches)
        next.Branches = state.Branches.map((b) => (b.States ? { ...b, States: prepareStates(b.States) } : b));
      return [name, next];
    }),
  );
}

/**
 * Execution names: 1 to 80 characters, none of whitespace, brackets, wildcards, the special
 * characters " # % \ ^ | ~ ` $ & , ; : / or control characters (StartExecution `name`).
 */
const VALID_EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]{1,80}$/u;

export const stateMachineArn = (name: string) =>
  `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${name}`;

export class LocalStepFunctions {
  #machines = new Map<string, { machine: StateMachine; states: Record<string, AslState> }>();
  /** Task tokens handed out and not yet reported, by token. */
  #pendingTasks = new Map<string, PendingTask>();
  /** Tokens reported or abandoned: a second report is TaskTimedOut, as in AWS. */
  #closedTasks = new Set<string>();
  /**
   * Executions one of whose waiting tasks failed. The library's Map state keeps starting the
   * iterations it had queued after one fails; AWS starts no more. Here they start nothing.
   */
  #failedWaits = new Set<string>();
  // (Kept after the execution ends: the library may still start queued slots then.)
  #executions = new Map<string, Execution>();
  /** State transitions so far (states entered, nested Map iterations' included): what AWS bills. */
  transitions = 0;
  readonly #lambda: LocalLambdaService;
  onExecutionFailed: (execution: { executionArn: string; error?: string; cause?: string }) => void = () => {};

  constructor(lambda: LocalLambdaService) {
    this.#lambda = lambda;
  }

  createStateMachine(name: string, definition: AslDefinition): string {
    const arn = stateMachineArn(name);
    const states = prepareStates(definition.States);
    const machine = new StateMachine({ ...definition, States: states } as ConstructorParameters<
      typeof StateMachine
    >[0]);
    this.#machines.set(arn, { machine, states });
    return arn;
  }

  /** Lambda-backed Task states of one execution, by state name (nested Map and Parallel states included). */
  #taskHandlers(
    states: Record<string, AslState>,
    executionArn: string,
  ): Record<string, (input: unknown) => Promise<unknown>> {
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task' && state.Resource === `${LAMBDA_INVOKE_INTEGRATION}${WAIT_FOR_TASK_TOKEN}`) {
        handlers[name] = (input) => this.#invokeAndWait(executionArn, input);
      } else if (state.Type === 'Task' && state.Resource?.startsWith('arn:aws:lambda:')) {
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
        if (child?.States) Object.assign(handlers, this.#taskHandlers(child.States, executionArn));
    }
    return handlers;
  }

  /** The callback pattern: a fresh token, the function invoked with it, then wait for its report. */
  async #invokeAndWait(executionArn: string, input: unknown): Promise<unknown> {
    const execution = this.#executions.get(executionArn);
    const ended = execution?.status !== 'RUNNING' || execution.stopRequested === true;
    if (ended || this.#failedWaits.has(executionArn)) {
      // Not retried (the library's retriers honour `isRetryable`): the slot is gone for good.
      throw Object.assign(
        new TaskFailure('States.Runtime', 'the Map state failed: no more iterations start'),
        {
          isRetryable: false,
        },
      );
    }
    const token = `local-task-${crypto.randomUUID()}`;
    const reported = new Promise<unknown>((resolve, reject) => {
      this.#pendingTasks.set(token, { executionArn, resolve, reject });
    });
    // Settled by a report or when the execution ends; never an unhandled rejection meanwhile.
    reported.catch(() => {});
    const params = withToken(input, token) as { FunctionName: string; Payload?: unknown };
    // As in AWS: the task ends with the first of its report and its function's failure (a
    // function that fails after the report does not undo it).
    this.#lambda.invoke(params.FunctionName, params.Payload).catch((error: unknown) => {
      const pending = this.#closeTask(token);
      pending?.reject(error instanceof Error ? error : new Error(String(error)));
    });
    return reported;
  }

  #closeTask(token: string): PendingTask | undefined {
    const pending = this.#pendingTasks.get(token);
    this.#pendingTasks.delete(token);
    if (pending) this.#closedTasks.add(token);
    return pending;
  }

  #report(input: Record<string, unknown>, settle: (pending: PendingTask) => void) {
    const token = String(input.taskToken ?? '');
    if (!token.startsWith('local-task-')) throw new AwsServiceError('InvalidToken', 'Invalid Token');
    if (this.#closedTasks.has(token)) throw new AwsServiceError('TaskTimedOut', 'Task Timed Out');
    const pending = this.#closeTask(token);
    if (!pending) throw new AwsServiceError('TaskDoesNotExist', 'Task Does Not Exist');
    settle(pending);
    return {};
  }

  operations(): Record<string, JsonOperation> {
    return {
      SendTaskSuccess: (input) =>
        this.#report(input, (pending) => pending.resolve(JSON.parse(String(input.output ?? 'null')))),
      SendTaskFailure: (input) =>
        this.#report(input, (pending) => {
          this.#failedWaits.add(pending.executionArn);
          pending.reject(
            new TaskFailure(String(input.error ?? 'States.TaskFailed'), String(input.cause ?? '')),
          );
        }),
      SendTaskHeartbeat: (input) => {
        const token = String(input.taskToken ?? '');
        if (!this.#pendingTasks.has(token)) throw new AwsServiceError('TaskTimedOut', 'Task Timed Out');
        return {};
      },
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
      overrides: { taskResourceLocalHandlers: this.#taskHandlers(entry.states, executionArn) as never },
      noThrowOnAbort: true,
    });
    void this.#countTransitions(run.eventLogs);
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
    execution.done = run.result
      .finally(() => {
        // Nothing starts after its end (the library may still start queued Map slots).
        this.#failedWaits.add(executionArn);
        // Its waiting tasks end with it: a later report finds them closed.
        for (const [token, pending] of this.#pendingTasks) {
          if (pending.executionArn !== executionArn) continue;
          this.#closeTask(token);
          pending.reject(new Error('the execution ended'));
        }
      })
      .then(
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

  async #countTransitions(events: AsyncIterable<{ type: string }>): Promise<void> {
    try {
      for await (const event of events) if (event.type === 'StateEntered') this.transitions++;
    } catch {
      // An aborted execution ends its log early.
    }
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
