import { readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { createShellExecutor } from '#shared/executors/shell.ts';
import type { AttemptResult } from '#shared/ports/executor.ts';
import { runningInstance } from '../../support/instances.ts';

const instance = () => runningInstance('inst-7', 'cmd', 'shell');

function run(
  config: Record<string, unknown>,
  options: { signal?: AbortSignal; maxOutputBytes?: number; env?: Record<string, string> } = {},
): Promise<AttemptResult> {
  const { signal, ...executorOptions } = options;
  return createShellExecutor(executorOptions).execute({
    instance: instance(),
    attempt: 2,
    config,
    parameters: {},
    upstreamOutputs: {},
    signal: signal ?? new AbortController().signal,
  });
}

function failure(result: AttemptResult): { code: string; message: string } {
  if (result.status !== 'FAILED') throw new Error(`expected FAILED, got ${JSON.stringify(result)}`);
  return result.error;
}

/** A zombie has finished; in a container nobody may reap it, so it counts as gone. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntilGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50 && isRunning(pid); i++) await new Promise((r) => setTimeout(r, 20));
  return !isRunning(pid);
}

function pidFromLog(result: AttemptResult): number {
  const match = /pid=(\d+)/.exec(result.logs?.stdout ?? '');
  if (!match) throw new Error(`no pid in ${JSON.stringify(result.logs)}`);
  return Number(match[1]);
}

describe('shell executor', () => {
  it('succeeds on exit code 0 and logs stdout', async () => {
    const result = await run({ command: 'echo hello' });
    expect(result).toMatchObject({
      status: 'SUCCESS',
      outputs: { exitCode: 0 },
      logs: { stdout: 'hello\n' },
    });
    expect(result.metrics.duration).toBeGreaterThanOrEqual(0);
  });

  it('fails with EXIT_<code> and keeps stderr', async () => {
    const result = await run({ command: 'echo partial; echo "no such table" >&2; exit 3' });
    expect(failure(result).code).toBe('EXIT_3');
    expect(result.logs).toEqual({ stdout: 'partial\n', stderr: 'no such table\n' });
  });

  it('fails with KILLED_<SIGNAL> when a signal ends the command', async () => {
    expect(failure(await run({ command: 'kill -KILL $$' })).code).toBe('KILLED_SIGKILL');
  });

  it('merges ::output:: object lines into outputs (later win) and keeps them in the log', async () => {
    const command = [
      `echo '::output::{"rows": 10, "table": "sales"}'`,
      'echo progress',
      `echo '::output::{"rows": 12}'`,
      `echo '::output::[1, 2]'`,
      `printf '::output::{"last": true}'`,
    ].join('; ');
    const result = await run({ command });
    expect(result).toMatchObject({
      status: 'SUCCESS',
      outputs: { rows: 12, table: 'sales', last: true, exitCode: 0 },
    });
    expect(result.logs?.stdout).toContain('::output::{"rows": 12}');
    expect(result.logs?.stdout).toContain('progress');
    expect(result.logs?.stderr).toContain('line 4 ignored');
  });

  it('gives the command only the given env, the config env and the RONDO_ variables', async () => {
    const result = await run(
      {
        command: 'echo "$RONDO_INSTANCE_ID|$RONDO_DATA_TIME|$RONDO_ATTEMPT|$BASE|$STAGE|[$HOME]"',
        env: { STAGE: 'prod', RONDO_ATTEMPT: 'spoofed' },
      },
      { env: { PATH: '/usr/bin:/bin', BASE: 'b' } },
    );
    // HOME is set for the test process; the command must not inherit it.
    expect(result.logs?.stdout).toBe('inst-7|2024-05-01T00:00:00.000Z|2|b|prod|[]\n');
  });

  it('runs in cwd, and fails to start in a directory that does not exist', async () => {
    const dir = realpathSync(tmpdir());
    const result = await run({ command: 'pwd -P', cwd: dir });
    expect(result.logs?.stdout).toBe(`${dir}\n`);

    const missing = failure(await run({ command: 'true', cwd: '/nonexistent/rondo-test' }));
    expect(missing).toMatchObject({ code: 'SPAWN_FAILED', message: expect.stringContaining('/nonexistent') });
  });

  it('caps each stream at maxOutputBytes, says so, and still reads outputs past the cap', async () => {
    const result = await run(
      { command: `seq 1 5000; seq 1 5000 >&2; echo '::output::{"late": true}'` },
      { maxOutputBytes: 100 },
    );
    expect(result).toMatchObject({ status: 'SUCCESS', outputs: { late: true } });
    const { stdout = '', stderr = '' } = result.logs ?? {};
    expect(stdout.startsWith('1\n2\n3\n')).toBe(true);
    expect(stdout).toMatch(/stdout truncated after 100 bytes/);
    expect(stdout.length).toBeLessThan(300);
    expect(stderr).toMatch(/stderr truncated after 100 bytes/);
    expect(stderr.length).toBeLessThan(300);
  });

  it('on abort terminates the whole process group and reports TIMEOUT', async () => {
    const controller = new AbortController();
    const pending = run({ command: 'sleep 30 & echo "pid=$!"; wait' }, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('timeout')), 300);
    const started = Date.now();
    const result = await pending;
    expect(failure(result).code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await waitUntilGone(pidFromLog(result))).toBe(true);
  });

  it('kills with SIGKILL a command that ignores SIGTERM', { timeout: 20_000 }, async () => {
    const controller = new AbortController();
    // An ignored signal stays ignored across exec, so sleep ignores SIGTERM too.
    const pending = run(
      { command: `trap '' TERM; sleep 30 & echo "pid=$!"; wait` },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 300);
    const result = await pending;
    expect(failure(result).code).toBe('TIMEOUT');
    expect(result.metrics.duration).toBeGreaterThanOrEqual(4000);
    expect(await waitUntilGone(pidFromLog(result))).toBe(true);
  });

  it('does not leave background processes running after the command exits', async () => {
    const result = await run({ command: 'sleep 30 & echo "pid=$!"' });
    expect(result).toMatchObject({ status: 'SUCCESS', outputs: { exitCode: 0 } });
    expect(await waitUntilGone(pidFromLog(result))).toBe(true);
  });

  it('does not start a command when the signal is already aborted', async () => {
    const result = await run({ command: 'echo ran' }, { signal: AbortSignal.abort() });
    expect(failure(result).code).toBe('TIMEOUT');
    expect(result.logs).toBeUndefined();
  });

  it('refuses an invalid config with INVALID_TASK_CONFIG naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{}, 'config.command'],
      [{ command: '' }, 'config.command'],
      [{ command: 'true', env: { N: 5 } }, 'config.env.N'],
      [{ command: 'true', cwd: 7 }, 'config.cwd'],
      [{ command: 'true', shell: 'bash' }, 'shell'],
    ];
    for (const [config, path] of cases) {
      const error = failure(await run(config));
      expect(error.code, JSON.stringify(config)).toBe('INVALID_TASK_CONFIG');
      expect(error.message, JSON.stringify(config)).toContain(path);
    }
  });
});
