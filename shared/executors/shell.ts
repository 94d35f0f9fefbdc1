// The `shell` executor (local runtime only, enabled by configuration): runs the task's command
// with /bin/sh in its own process group; exit code 0 succeeds, and `::output::{...}` lines on
// stdout become the attempt's outputs.
import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { z } from 'zod';
import type { AttemptLogs, AttemptResult, Executor } from '../ports/executor.ts';
import { invalidConfig } from './invalid-config.ts';

export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
/** The core never passes its own environment on: a command sees only what the caller chose. */
export const DEFAULT_SHELL_ENV: Readonly<Record<string, string>> = { PATH: '/usr/bin:/bin' };
/** Time between SIGTERM and SIGKILL for a process group being stopped. */
export const KILL_GRACE_MS = 5000;
/** After SIGKILL, how long to wait for pipes held by processes that escaped the group. */
const PIPE_DRAIN_MS = 1000;
/** A longer stdout line cannot be an output line worth parsing; it is only logged. */
const MAX_OUTPUT_LINE_CHARS = 256 * 1024;
const OUTPUT_PREFIX = '::output::';

export const shellTaskConfigSchema = z.strictObject({
  command: z.string().min(1),
  cwd: z.string().min(1).optional(),
  env: z.record(z.string().regex(/^[^=\0]+$/, 'not a valid variable name'), z.string()).optional(),
});

export type ShellTaskConfig = z.output<typeof shellTaskConfigSchema>;

export function createShellExecutor(
  options: { maxOutputBytes?: number; env?: Record<string, string> } = {},
): Executor {
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const baseEnv = options.env ?? DEFAULT_SHELL_ENV;
  return {
    async execute({ instance, attempt, config: rawConfig, signal }) {
      const parsed = shellTaskConfigSchema.safeParse(rawConfig);
      if (!parsed.success) return invalidConfig(parsed.error);
      const config = parsed.data;
      if (signal.aborted) {
        return {
          status: 'FAILED',
          error: { code: 'TIMEOUT', message: `aborted before start (${describe(signal.reason)})` },
          metrics: { duration: 0 },
        };
      }
      const env = {
        ...baseEnv,
        ...config.env,
        RONDO_INSTANCE_ID: instance.id,
        RONDO_DATA_TIME: instance.dataTime,
        RONDO_ATTEMPT: String(attempt),
      };
      const started = Date.now();
      const run = await runCommand({ ...config, env, signal, maxOutputBytes });
      const metrics = { duration: Date.now() - started };
      const logs: AttemptLogs = {};
      if (run.stdout) logs.stdout = run.stdout;
      if (run.stderr) logs.stderr = run.stderr;
      return toResult(run, config, metrics, logs);
    },
  };
}

type RunOutcome = {
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  aborted: boolean;
  spawnError?: Error;
  stdout: string;
  stderr: string;
  outputs: Record<string, unknown>;
};

function toResult(
  run: RunOutcome,
  config: ShellTaskConfig,
  metrics: Record<string, number>,
  logs: AttemptLogs,
): AttemptResult {
  const failed = (code: string, message: string): AttemptResult => ({
    status: 'FAILED',
    error: { code, message },
    metrics,
    logs,
  });
  if (run.spawnError) {
    const where = config.cwd ? ` (cwd ${config.cwd})` : '';
    return failed('SPAWN_FAILED', `could not start /bin/sh${where}: ${run.spawnError.message}`);
  }
  if (run.aborted) return failed('TIMEOUT', 'the attempt was aborted; its process group was terminated');
  if (run.exitSignal) return failed(`KILLED_${run.exitSignal}`, `killed by ${run.exitSignal}`);
  if (run.exitCode !== 0) return failed(`EXIT_${run.exitCode}`, `exited with code ${run.exitCode}`);
  return { status: 'SUCCESS', outputs: { ...run.outputs, exitCode: 0 }, metrics, logs };
}

function runCommand(args: {
  command: string;
  cwd?: string;
  env: Record<string, string>;
  signal: AbortSignal;
  maxOutputBytes: number;
}): Promise<RunOutcome> {
  return new Promise((resolve) => {
    // detached: the command leads its own process group, so every process it starts is stopped with it.
    const child = spawn('/bin/sh', ['-c', args.command], {
      cwd: args.cwd,
      env: args.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout = new CappedText(args.maxOutputBytes, 'stdout');
    const stderr = new CappedText(args.maxOutputBytes, 'stderr');
    const outputs = new OutputLines();
    const timers: NodeJS.Timeout[] = [];
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let aborted = false;
    let spawnError: Error | undefined;
    let settled = false;

    const killGroup = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // ESRCH: the group is already empty.
      }
    };
    // SIGTERM lets the command clean up; SIGKILL follows for one that ignores it, and a
    // process that left the group but holds our pipes cannot keep the attempt open forever.
    let stopping = false;
    const stopGroup = (): void => {
      if (stopping) return;
      stopping = true;
      killGroup('SIGTERM');
      timers.push(
        setTimeout(() => {
          killGroup('SIGKILL');
          timers.push(
            setTimeout(() => {
              child.stdout.destroy();
              child.stderr.destroy();
            }, PIPE_DRAIN_MS),
          );
        }, KILL_GRACE_MS),
      );
    };
    const onAbort = (): void => {
      if (exited) return;
      aborted = true;
      stopGroup();
    };
    args.signal.addEventListener('abort', onAbort, { once: true });

    child.stdout.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      outputs.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      // Background processes the command left behind would outlive the attempt; they end with it.
      stopGroup();
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      args.signal.removeEventListener('abort', onAbort);
      outputs.end();
      resolve({
        exitCode: exited?.code ?? code,
        exitSignal: exited?.signal ?? signal,
        aborted,
        ...(spawnError ? { spawnError } : {}),
        stdout: stdout.text(),
        stderr: [stderr.text(), ...outputs.notes].filter(Boolean).join('\n'),
        outputs: outputs.values,
      });
    });
  });
}

/** Keeps the first `max` bytes of a stream and counts the rest. */
class CappedText {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private dropped = 0;
  private readonly max: number;
  private readonly name: string;

  constructor(max: number, name: string) {
    this.max = max;
    this.name = name;
  }

  push(chunk: Buffer): void {
    const room = this.max - this.kept;
    if (chunk.length > room) {
      if (room > 0) this.chunks.push(chunk.subarray(0, room));
      this.kept += Math.max(room, 0);
      this.dropped += chunk.length - Math.max(room, 0);
      return;
    }
    this.chunks.push(chunk);
    this.kept += chunk.length;
  }

  text(): string {
    const text = Buffer.concat(this.chunks).toString('utf8');
    if (this.dropped === 0) return text;
    return `${text}\n[rondo: ${this.name} truncated after ${this.max} bytes; ${this.dropped} bytes dropped]`;
  }
}

/** Parses `::output::{...}` lines from the whole of stdout, not just the part the log keeps. */
class OutputLines {
  values: Record<string, unknown> = {};
  readonly notes: string[] = [];
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private overlong = false;
  private line = 0;

  push(chunk: Buffer): void {
    const pieces = (this.partial + this.decoder.write(chunk)).split('\n');
    this.partial = pieces.pop() ?? '';
    for (const piece of pieces) this.take(piece);
    if (this.partial.length > MAX_OUTPUT_LINE_CHARS) {
      this.partial = '';
      this.overlong = true;
    }
  }

  end(): void {
    this.take(this.partial + this.decoder.end());
    this.partial = '';
  }

  private take(raw: string): void {
    this.line += 1;
    const overlong = this.overlong;
    this.overlong = false;
    if (overlong || !raw.startsWith(OUTPUT_PREFIX)) return;
    let value: unknown;
    try {
      value = JSON.parse(raw.slice(OUTPUT_PREFIX.length));
    } catch {
      value = undefined;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.notes.push(`[rondo: stdout line ${this.line} ignored: ${OUTPUT_PREFIX} needs a JSON object]`);
      return;
    }
    // Spread, not Object.assign: a `__proto__` key must stay a plain key, not set a prototype.
    this.values = { ...this.values, ...value };
  }
}

function describe(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}
