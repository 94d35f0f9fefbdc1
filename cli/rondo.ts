#!/usr/bin/env node
// `rondo`: the operations API from a terminal. Human tables by default, `--json` for
// scripts. Exit codes: 0 done, 1 the API refused (4xx), 2 bad usage, 3 unreachable or a 5xx.
// Configured by --api or RONDO_API_URL (default: the embedded runtime on localhost:3000);
// requests to an AWS endpoint are signed (SigV4) with the default credential chain.
import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { formatWorkflowChanges } from '#shared/model/workflow-diff.ts';
import { type ApplyAction, type ApplyResult, applyWorkflows, exportWorkflows } from './apply.ts';
import { type ApiClient, ApiError, createApiClient } from './client.ts';
import { progressBar, table } from './format.ts';
import { formatFileFaults, readWorkflowFiles } from './workflow-files.ts';

export const EXIT = { ok: 0, refused: 1, usage: 2, unreachable: 3, changes: 4 } as const;

const USAGE = `Usage: rondo <command> [options]

  instances list [--workflow ID] [--status S[,S]] [--q TEXT] [--folder PATH] [--owner NAME]
                 [--task-type T] [--resource-group G] [--from ISO] [--to ISO] [--limit N] [--all]
  instances get ID
  instances terminate ID...          instances mark-success ID...
  instances rerun ID [--scope instance|instance_and_downstream|downstream]
                     [--range workflow|project|all] [--dry-run]
  instances lineage ID [--direction up|down|both] [--depth N]
  logs ID [--attempt N] [--stream stdout|stderr] [--follow]
  runs list --workflow ID            runs get ID
  workflows list [--folder PATH]     workflows get ID      workflows put --file FILE.json
  backfill create WORKFLOW --from ISO --to ISO [--parallelism N] [--order ASC|DESC] [--wait]
  backfill get ID
  events put NAME --data-time ISO [--source SOURCE]

Workflows as files (JSON or YAML; a folder is searched recursively):
  validate -f FILE|DIR               check every file offline, as a save would (no API call)
  apply -f FILE|DIR [--dry-run] [--prune] [--detailed-exitcode]
                                     create or update each workflow; unchanged ones make no
                                     new version; --dry-run prints the diff and saves nothing;
                                     --prune deletes workflows of the files' folders that no
                                     file defines; --detailed-exitcode exits 4 when a dry run
                                     finds changes
  export [--folder PATH] -o DIR [--format json|yaml]
                                     write workflows (of a folder and below) as files apply reads

Options: --api URL (or RONDO_API_URL), --json, --help`;

class UsageError extends Error {}

type Options = Record<string, string | boolean | undefined>;

const OPTIONS = {
  api: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
  workflow: { type: 'string' },
  status: { type: 'string' },
  q: { type: 'string' },
  folder: { type: 'string' },
  owner: { type: 'string' },
  'task-type': { type: 'string' },
  'resource-group': { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  limit: { type: 'string' },
  all: { type: 'boolean' },
  scope: { type: 'string' },
  range: { type: 'string' },
  'dry-run': { type: 'boolean' },
  direction: { type: 'string' },
  depth: { type: 'string' },
  attempt: { type: 'string' },
  stream: { type: 'string' },
  follow: { type: 'boolean' },
  file: { type: 'string', short: 'f' },
  out: { type: 'string', short: 'o' },
  format: { type: 'string' },
  prune: { type: 'boolean' },
  'detailed-exitcode': { type: 'boolean' },
  parallelism: { type: 'string' },
  order: { type: 'string' },
  wait: { type: 'boolean' },
  'data-time': { type: 'string' },
  source: { type: 'string' },
} as const;

type Out = { write(text: string): void };

/** Runs one command line; answers the exit code (the entry point below exits with it). */
export async function main(
  argv: string[],
  io: { out: Out; err: Out; env: Record<string, string | undefined> } = {
    out: process.stdout,
    err: process.stderr,
    env: process.env,
  },
): Promise<number> {
  let values: Options;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    io.err.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  if (values.help || positionals.length === 0) {
    (values.help ? io.out : io.err).write(`${USAGE}\n`);
    return values.help ? EXIT.ok : EXIT.usage;
  }
  const api = createApiClient(String(values.api ?? io.env.RONDO_API_URL ?? 'http://127.0.0.1:3000'));
  const print = (value: unknown, human: () => string) =>
    io.out.write(`${values.json ? JSON.stringify(value, null, 2) : human()}\n`);
  try {
    const [group] = positionals;
    if (group === 'validate' || group === 'apply' || group === 'export') {
      return await workflowFiles(api, group, values, print, io);
    }
    await run(api, positionals, values, print, io);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err.write(`${error.message}\n\n${USAGE}\n`);
      return EXIT.usage;
    }
    if (error instanceof ApiError) {
      io.err.write(`${error.status} ${error.code}: ${error.message}\n`);
      for (const detail of error.details)
        io.err.write(`  ${detail.path || '(request)'}: ${detail.message}\n`);
      return error.status >= 500 ? EXIT.unreachable : EXIT.refused;
    }
    io.err.write(`cannot reach ${api.baseUrl}: ${(error as Error).message}\n`);
    return EXIT.unreachable;
  }
}

type Print = (value: unknown, human: () => string) => void;
type Instance = Record<string, unknown> & { id: string; status: string; taskId: string; dataTime: string };

const need = (value: string | undefined, what: string): string => {
  if (!value) throw new UsageError(`missing ${what}`);
  return value;
};
const instanceRow = (i: Instance) => [
  i.id,
  i.taskId,
  String(i.dataTime).slice(0, 16),
  i.status,
  String(i.startTime ?? '').slice(11, 19),
  i.durationMs === undefined ? '' : `${Math.round(Number(i.durationMs) / 100) / 10}s`,
];
const INSTANCE_HEADER = ['ID', 'TASK', 'DATA TIME', 'STATUS', 'START', 'DURATION'];

async function run(
  api: ApiClient,
  [group, action, ...args]: string[],
  values: Options,
  print: Print,
  io: { out: Out },
) {
  const command = `${group} ${action ?? ''}`.trim();
  switch (command) {
    case 'instances list': {
      const query = new URLSearchParams();
      const add = (key: string, option: string) => {
        if (typeof values[option] === 'string') query.set(key, values[option] as string);
      };
      add('workflowId', 'workflow');
      add('status', 'status');
      add('q', 'q');
      add('folder', 'folder');
      add('owner', 'owner');
      add('taskType', 'task-type');
      add('resourceGroup', 'resource-group');
      add('dataTimeFrom', 'from');
      add('dataTimeTo', 'to');
      add('limit', 'limit');
      const items: Instance[] = [];
      let cursor: string | undefined;
      do {
        if (cursor) query.set('cursor', cursor);
        const page = await api.get<{ items: Instance[]; cursor?: string }>(`/v1/instances?${query}`);
        items.push(...page.items);
        cursor = values.all ? page.cursor : undefined;
      } while (cursor);
      print(items, () => table(INSTANCE_HEADER, items.map(instanceRow)));
      return;
    }
    case 'instances get': {
      const instance = await api.get<Instance & { diagnostics?: { summary: string } }>(
        `/v1/instances/${encodeURIComponent(need(args[0], 'ID'))}`,
      );
      print(instance, () =>
        [table(INSTANCE_HEADER, [instanceRow(instance)]), instance.diagnostics?.summary ?? '']
          .filter(Boolean)
          .join('\n'),
      );
      return;
    }
    case 'instances terminate':
    case 'instances mark-success': {
      if (args.length === 0) throw new UsageError('name at least one instance');
      const result = await api.post<{
        results: { id: string; status: string; error?: { code: string; message: string } }[];
        failed: number;
      }>(`/v1/instances/batch/${action}`, { ids: args });
      print(result, () =>
        table(
          ['ID', 'RESULT', 'WHY'],
          result.results.map((r) => [r.id, r.status, r.error ? `${r.error.code}: ${r.error.message}` : '']),
        ),
      );
      if (result.failed > 0)
        throw new ApiError(409, 'PARTLY_REFUSED', `${result.failed} of ${args.length} refused`, []);
      return;
    }
    case 'instances rerun': {
      const plan = await api.post<{
        reset: Instance[];
        skipped: (Instance & { reason: string })[];
        dryRun: boolean;
      }>(`/v1/instances/${encodeURIComponent(need(args[0], 'ID'))}/rerun`, {
        ...(values.scope ? { scope: values.scope } : {}),
        ...(values.range ? { downstreamRange: values.range } : {}),
        dryRun: values['dry-run'] === true,
      });
      print(plan, () =>
        [
          `${plan.dryRun ? 'Would reset' : 'Reset'} ${plan.reset.length} instance(s):`,
          table(
            ['ID', 'WORKFLOW', 'TASK', 'DATA TIME', 'WAS'],
            plan.reset.map((i) => [
              i.id,
              String(i.workflowId),
              i.taskId,
              String(i.dataTime).slice(0, 16),
              i.status,
            ]),
          ),
          ...(plan.skipped.length
            ? [`Left alone: ${plan.skipped.map((s) => `${s.id} (${s.reason})`).join(', ')}`]
            : []),
        ].join('\n'),
      );
      return;
    }
    case 'instances lineage': {
      const query = new URLSearchParams({
        direction: String(values.direction ?? 'both'),
        depth: String(values.depth ?? '1'),
      });
      const lineage = await api.get<{
        nodes: { id: string; status: string; layer: number }[];
        edges: { from: string; to: string; condition: string; removed: boolean }[];
      }>(`/v1/instances/${encodeURIComponent(need(args[0], 'ID'))}/lineage?${query}`);
      print(lineage, () =>
        table(
          ['LAYER', 'ID', 'STATUS'],
          [...lineage.nodes].sort((a, b) => a.layer - b.layer).map((n) => [String(n.layer), n.id, n.status]),
        ),
      );
      return;
    }
    case 'runs list': {
      const page = await api.get<{ items: Record<string, string>[] }>(
        `/v1/runs?workflowId=${encodeURIComponent(need(values.workflow as string | undefined, '--workflow'))}`,
      );
      print(page.items, () =>
        table(
          ['RUN', 'TYPE', 'DATA TIME', 'STATUS'],
          page.items.map((r) => [r.id ?? '', r.type ?? '', String(r.dataTime).slice(0, 16), r.status ?? '']),
        ),
      );
      return;
    }
    case 'runs get': {
      const runDetail = await api.get<Record<string, unknown> & { instances: Instance[] }>(
        `/v1/runs/${encodeURIComponent(need(args[0], 'ID'))}`,
      );
      print(
        runDetail,
        () =>
          `${runDetail.id} ${runDetail.status}\n${table(INSTANCE_HEADER, runDetail.instances.map(instanceRow))}`,
      );
      return;
    }
    case 'workflows list': {
      const page = await api.get<{
        items: { definition: { id: string; name: string; folder: string }; version: number; owner: string }[];
      }>(`/v1/workflows${values.folder ? `?folder=${encodeURIComponent(String(values.folder))}` : ''}`);
      print(page.items, () =>
        table(
          ['ID', 'NAME', 'FOLDER', 'VERSION', 'OWNER'],
          page.items.map((w) => [
            w.definition.id,
            w.definition.name,
            w.definition.folder,
            String(w.version),
            w.owner,
          ]),
        ),
      );
      return;
    }
    case 'workflows get': {
      const workflow = await api.get<unknown>(`/v1/workflows/${encodeURIComponent(need(args[0], 'ID'))}`);
      print(workflow, () => JSON.stringify(workflow, null, 2));
      return;
    }
    case 'workflows put': {
      const text = await readFile(need(values.file as string | undefined, '--file'), 'utf8');
      let definition: { id?: string };
      try {
        definition = JSON.parse(text) as { id?: string };
      } catch {
        throw new UsageError(`${values.file} is not JSON`);
      }
      const saved = await api.put<{ version: number; changed: boolean }>(
        `/v1/workflows/${encodeURIComponent(String(definition.id ?? ''))}`,
        definition,
      );
      print(saved, () => `${definition.id}: version ${saved.version}${saved.changed ? '' : ' (unchanged)'}`);
      return;
    }
    case 'backfill create': {
      type Backfill = {
        id: string;
        status: string;
        progress: { total: number; done: number; failed: number };
      };
      let backfill = await api.post<Backfill>(
        `/v1/workflows/${encodeURIComponent(need(args[0], 'WORKFLOW'))}/backfills`,
        {
          from: need(values.from as string | undefined, '--from'),
          to: need(values.to as string | undefined, '--to'),
          ...(values.parallelism ? { parallelism: Number(values.parallelism) } : {}),
          ...(values.order ? { order: values.order } : {}),
        },
      );
      while (values.wait && (backfill.status === 'RUNNING' || backfill.status === 'PAUSED')) {
        if (!values.json)
          io.out.write(
            `\r${progressBar(backfill.progress.done, backfill.progress.total)} ${backfill.status}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 1000));
        backfill = await api.get<Backfill>(`/v1/backfills/${encodeURIComponent(backfill.id)}`);
      }
      if (values.wait && !values.json)
        io.out.write(`\r${progressBar(backfill.progress.done, backfill.progress.total)}\n`);
      print(
        backfill,
        () =>
          `${backfill.id} ${backfill.status}: ${backfill.progress.done}/${backfill.progress.total} runs, ${backfill.progress.failed} failed`,
      );
      if (values.wait && backfill.status === 'FAILED')
        throw new ApiError(409, 'BACKFILL_FAILED', `${backfill.progress.failed} run(s) failed`, []);
      return;
    }
    case 'backfill get': {
      const backfill = await api.get<{
        id: string;
        status: string;
        progress: { total: number; done: number };
      }>(`/v1/backfills/${encodeURIComponent(need(args[0], 'ID'))}`);
      print(
        backfill,
        () =>
          `${backfill.id} ${backfill.status} ${progressBar(backfill.progress.done, backfill.progress.total)}`,
      );
      return;
    }
    case 'events put': {
      const result = await api.post<{ eventId: string }>('/v1/events', {
        Source: String(values.source ?? 'rondo.cli'),
        DetailType: need(args[0], 'NAME'),
        Detail: { dataTime: need(values['data-time'] as string | undefined, '--data-time') },
      });
      print(result, () => `event ${result.eventId} put`);
      return;
    }
    default: {
      if (group === 'logs') return logs(api, need(action, 'ID'), values, print, io);
      throw new UsageError(`unknown command '${command}'`);
    }
  }
}

/** `validate`, `apply` and `export`: answers the exit code. */
async function workflowFiles(
  api: ApiClient,
  command: 'validate' | 'apply' | 'export',
  values: Options,
  print: Print,
  io: { out: Out; err: Out },
): Promise<number> {
  if (command === 'export') {
    const format = String(values.format ?? 'json');
    if (format !== 'json' && format !== 'yaml')
      throw new UsageError(`--format is json or yaml, not '${format}'`);
    const written = await exportWorkflows(
      api,
      String(values.folder ?? '/'),
      need(values.out as string | undefined, '-o DIR'),
      format,
    );
    print(written, () =>
      written.length === 0
        ? 'no workflows to export'
        : table(
            ['ID', 'VERSION', 'FILE'],
            written.map((w) => [w.id, String(w.version), w.file]),
          ),
    );
    return EXIT.ok;
  }
  const target = need(values.file as string | undefined, '-f FILE|DIR');
  let read: Awaited<ReturnType<typeof readWorkflowFiles>>;
  try {
    read = await readWorkflowFiles(target);
  } catch (error) {
    throw new UsageError(`cannot read ${target}: ${(error as Error).message}`);
  }
  if (read.faults.length > 0) {
    // Nothing is applied while any file is invalid: a folder goes in whole or not at all.
    for (const line of formatFileFaults(read.faults)) io.err.write(`${line}\n`);
    io.err.write(
      `${read.faults.length} fault(s) in ${new Set(read.faults.map((f) => f.file)).size} file(s)\n`,
    );
    return EXIT.refused;
  }
  if (command === 'validate') {
    print(
      read.files.map((f) => ({ id: f.definition.id, file: f.file })),
      () =>
        `${read.files.length} workflow file(s) valid: ${read.files.map((f) => f.definition.id).join(', ')}`,
    );
    return EXIT.ok;
  }
  const dryRun = values['dry-run'] === true;
  const prune = values.prune === true;
  if (prune) {
    // A folder's files in whole, each workflow in a folder of its own: else pruning would
    // delete what other people keep (a single file's siblings, everything at the root).
    if ((await stat(target)).isFile())
      throw new UsageError('--prune needs a folder of files (-f DIR), not one file');
    const atRoot = read.files.find((f) => f.definition.folder === '/');
    if (atRoot) throw new UsageError(`--prune does not prune the root folder: ${atRoot.file} has no folder`);
  }
  const results = await applyWorkflows(api, read.files, { dryRun, prune });
  print(results, () => formatApplyResults(results, dryRun));
  const refused = results.filter((r) => r.action === 'error');
  for (const r of refused)
    io.err.write(`${r.file}: ${r.id}: ${r.error?.status} ${r.error?.code}: ${r.error?.message}\n`);
  if (refused.length > 0) return EXIT.refused;
  const changed = results.some((r) => r.action !== 'unchanged');
  return dryRun && changed && values['detailed-exitcode'] ? EXIT.changes : EXIT.ok;
}

const APPLIED: Record<ApplyAction, [done: string, planned: string]> = {
  create: ['created', 'would create'],
  update: ['updated', 'would update'],
  unchanged: ['unchanged', 'unchanged'],
  prune: ['deleted (pruned)', 'would delete (prune)'],
  error: ['refused', 'refused'],
};

function formatApplyResults(results: ApplyResult[], dryRun: boolean): string {
  const lines: string[] = [];
  for (const result of results) {
    const version = result.version === undefined ? '' : ` (version ${result.version})`;
    lines.push(`${result.id}: ${APPLIED[result.action][dryRun ? 1 : 0]}${version}`);
    for (const line of formatWorkflowChanges(result.changes)) lines.push(`    ${line}`);
    if (result.action === 'update' && result.changes.length === 0)
      lines.push('    ~ the order of tasks, edges or parameters');
    if (result.error) lines.push(`    ${result.error.code}: ${result.error.message}`);
  }
  const count = (action: ApplyAction) => results.filter((r) => r.action === action).length;
  lines.push(
    dryRun
      ? `Dry run: ${count('create')} to create, ${count('update')} to update, ${count('unchanged')} unchanged, ${count('prune')} to prune`
      : `${count('create')} created, ${count('update')} updated, ${count('unchanged')} unchanged, ${count('prune')} pruned`,
  );
  return lines.join('\n');
}

type LogPage = { page: number; pages: number; lines: string[] };

/** An attempt's log, every page; `--follow` keeps reading while the attempt runs. */
async function logs(api: ApiClient, id: string, values: Options, print: Print, io: { out: Out }) {
  const instance = await api.get<{ status: string; attempts: { number: number; status: string }[] }>(
    `/v1/instances/${encodeURIComponent(id)}`,
  );
  const attempt = Number(values.attempt ?? instance.attempts.at(-1)?.number ?? 1);
  const stream = String(values.stream ?? 'stdout');
  let printed = 0;
  for (;;) {
    let page = 1;
    const lines: string[] = [];
    for (;;) {
      const read = await api.get<LogPage>(
        `/v1/instances/${encodeURIComponent(id)}/attempts/${attempt}/logs?stream=${stream}&page=${page}`,
      );
      lines.push(...read.lines);
      if (page >= read.pages) break;
      page++;
    }
    if (values.json) {
      print(lines, () => '');
      return;
    }
    for (const line of lines.slice(printed)) io.out.write(`${line}\n`);
    printed = lines.length;
    if (!values.follow) return;
    const current = await api.get<{ attempts: { number: number; status: string }[] }>(
      `/v1/instances/${encodeURIComponent(id)}`,
    );
    if (current.attempts.find((a) => a.number === attempt)?.status !== 'RUNNING') return;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
