// The live instance monitor (seed 000): filters, a column chooser, pages, CSV, and batch
// actions on the selected instances. It refreshes itself every few seconds.
import { useMemo, useState } from 'react';
import { api, INSTANCE_STATUSES, type Instance, type Page } from '../api.ts';
import { ConnectionBadge, duration, StatusBadge, time } from '../app.tsx';
import { useLive } from '../live.ts';

type Filters = Record<
  | 'workflowId'
  | 'q'
  | 'folder'
  | 'owner'
  | 'taskType'
  | 'resourceGroup'
  | 'type'
  | 'cycleType'
  | 'dataTimeFrom'
  | 'dataTimeTo'
  | 'startFrom'
  | 'startTo',
  string
> & { status: string[] };

const EMPTY: Filters = {
  workflowId: '',
  q: '',
  folder: '',
  owner: '',
  taskType: '',
  resourceGroup: '',
  type: '',
  cycleType: '',
  dataTimeFrom: '',
  dataTimeTo: '',
  startFrom: '',
  startTo: '',
  status: [],
};

/** The status, whose tooltip is the instance's diagnosis (read when the pointer or focus comes). */
function StatusCell({ instance }: { instance: Instance }) {
  const [summary, setSummary] = useState<string | undefined>(undefined);
  const load = () => {
    if (summary !== undefined) return;
    setSummary(instance.error ? `${instance.error.code}: ${instance.error.message}` : '…');
    void api
      .get<Instance>(`/v1/instances/${encodeURIComponent(instance.id)}`)
      .then((detail) => setSummary(detail.diagnostics?.summary ?? instance.status))
      .catch(() => undefined);
  };
  return (
    <button type="button" className="plain" onMouseEnter={load} onFocus={load} onClick={load} title={summary}>
      <StatusBadge status={instance.status} />
    </button>
  );
}

type Column = { key: string; label: string; cell: (i: Instance) => React.ReactNode };

const COLUMNS: Column[] = [
  {
    key: 'task',
    label: 'Task',
    cell: (i) => (
      <span className="task-cell">
        <a href={`#/instances/${encodeURIComponent(i.id)}`}>{i.taskName || i.taskId}</a>
        <button
          type="button"
          className="copy"
          aria-label={`Copy the id of ${i.taskId}`}
          onClick={() => void navigator.clipboard?.writeText(i.id)}
        >
          ⧉
        </button>
      </span>
    ),
  },
  { key: 'dataTime', label: 'Data time', cell: (i) => time(i.dataTime) },
  { key: 'status', label: 'Status', cell: (i) => <StatusCell instance={i} /> },
  { key: 'type', label: 'Type', cell: (i) => i.type },
  { key: 'owner', label: 'Owner', cell: (i) => i.owner },
  {
    key: 'workflow',
    label: 'Workflow',
    cell: (i) => <a href={`#/workflows/${encodeURIComponent(i.workflowId)}`}>{i.workflowId}</a>,
  },
  { key: 'taskType', label: 'Task type', cell: (i) => i.taskType },
  { key: 'plannedTime', label: 'Planned', cell: (i) => time(i.plannedTime) },
  { key: 'startTime', label: 'Start', cell: (i) => time(i.startTime) },
  { key: 'endTime', label: 'End', cell: (i) => time(i.endTime) },
  { key: 'duration', label: 'Duration', cell: (i) => duration(i.durationMs) },
  { key: 'resourceGroup', label: 'Resource group', cell: (i) => i.resourceGroup },
  { key: 'retries', label: 'Retries', cell: (i) => i.retries },
  { key: 'runs', label: 'Runs', cell: (i) => i.accumulatedRuns },
  { key: 'folder', label: 'Folder', cell: (i) => i.folder },
  { key: 'cycleType', label: 'Cycle', cell: (i) => i.cycleType ?? '' },
];
const DEFAULT_COLUMNS = [
  'task',
  'dataTime',
  'status',
  'workflow',
  'taskType',
  'startTime',
  'duration',
  'retries',
];

function queryOf(filters: Filters, cursor?: string): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    if (key === 'status') {
      if ((value as string[]).length) query.set('status', (value as string[]).join(','));
    } else if (value) {
      query.set(
        key,
        key.startsWith('dataTime') ? new Date(value as string).toISOString() : (value as string),
      );
    }
  }
  if (cursor) query.set('cursor', cursor);
  return query.toString();
}

export function InstancesPage() {
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [columns, setColumns] = useState<string[]>(DEFAULT_COLUMNS);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [message, setMessage] = useState<string>('');
  const cursor = cursors.at(-1);
  const query = queryOf(filters, cursor);
  const { data, connection, error, reload } = useLive(
    () => api.get<Page<Instance>>(`/v1/instances?limit=50&${query}`),
    3000,
    query,
  );
  const shown = useMemo(() => COLUMNS.filter((c) => columns.includes(c.key)), [columns]);
  const items = data?.items ?? [];

  const set = (key: keyof Filters) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
    setDraft({ ...draft, [key]: e.target.value });
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const batch = async (action: 'terminate' | 'mark-success' | 'rerun') => {
    const ids = [...selected];
    if (ids.length === 0) return;
    if (!window.confirm(`${action} ${ids.length} instance(s)?`)) return;
    const result = await api.post<{ succeeded: number; failed: number }>(`/v1/instances/batch/${action}`, {
      ids,
    });
    setMessage(`${action}: ${result.succeeded} done, ${result.failed} refused`);
    setSelected(new Set());
    reload();
  };

  return (
    <section aria-labelledby="instances-title">
      <div className="title-row">
        <h1 id="instances-title">Instances</h1>
        <ConnectionBadge connection={connection} error={error} />
      </div>
      <form
        className="filters"
        aria-label="Filters"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters(draft);
          setCursors([undefined]);
        }}
      >
        <label>
          Workflow <input value={draft.workflowId} onChange={set('workflowId')} />
        </label>
        <label>
          Search <input value={draft.q} onChange={set('q')} placeholder="task name or id" />
        </label>
        <label>
          Folder <input value={draft.folder} onChange={set('folder')} placeholder="/finance" />
        </label>
        <label>
          Owner <input value={draft.owner} onChange={set('owner')} />
        </label>
        <label>
          Task type{' '}
          <select value={draft.taskType} onChange={set('taskType')}>
            <option value="">any</option>
            {['lambda', 'http', 'callback', 'subworkflow', 'foreach', 'condition', 'noop', 'shell'].map(
              (t) => (
                <option key={t}>{t}</option>
              ),
            )}
          </select>
        </label>
        <label>
          Resource group <input value={draft.resourceGroup} onChange={set('resourceGroup')} />
        </label>
        <label>
          Run type{' '}
          <select value={draft.type} onChange={set('type')}>
            <option value="">any</option>
            {['PERIODIC', 'ONE_TIME', 'SUPPLEMENTARY'].map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          Cycle{' '}
          <select value={draft.cycleType} onChange={set('cycleType')}>
            <option value="">any</option>
            {['MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'CRON'].map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          Data time from{' '}
          <input type="datetime-local" value={draft.dataTimeFrom} onChange={set('dataTimeFrom')} />
        </label>
        <label>
          to <input type="datetime-local" value={draft.dataTimeTo} onChange={set('dataTimeTo')} />
        </label>
        <label>
          Started from <input type="datetime-local" value={draft.startFrom} onChange={set('startFrom')} />
        </label>
        <label>
          Started to <input type="datetime-local" value={draft.startTo} onChange={set('startTo')} />
        </label>
        <fieldset className="statuses">
          <legend>Status</legend>
          {INSTANCE_STATUSES.map((s) => (
            <label key={s}>
              <input
                type="checkbox"
                checked={draft.status.includes(s)}
                onChange={(e) =>
                  setDraft({
                    ...draft,
                    status: e.target.checked ? [...draft.status, s] : draft.status.filter((x) => x !== s),
                  })
                }
              />
              {s}
            </label>
          ))}
        </fieldset>
        <div className="actions">
          <button type="submit">Apply filters</button>
          <button
            type="button"
            onClick={() => {
              setDraft(EMPTY);
              setFilters(EMPTY);
              setCursors([undefined]);
            }}
          >
            Clear
          </button>
          <a className="button" href={`/v1/instances.csv?${queryOf(filters)}`} download="instances.csv">
            Download CSV
          </a>
        </div>
      </form>

      <details className="columns">
        <summary>Columns</summary>
        {COLUMNS.map((c) => (
          <label key={c.key}>
            <input
              type="checkbox"
              checked={columns.includes(c.key)}
              onChange={(e) =>
                setColumns(e.target.checked ? [...columns, c.key] : columns.filter((k) => k !== c.key))
              }
            />
            {c.label}
          </label>
        ))}
      </details>

      <div className="batch" role="toolbar" aria-label="Actions on the selected instances">
        <span>{selected.size} selected</span>
        <button type="button" disabled={!selected.size} onClick={() => void batch('terminate')}>
          Terminate
        </button>
        <button type="button" disabled={!selected.size} onClick={() => void batch('rerun')}>
          Rerun
        </button>
        <button type="button" disabled={!selected.size} onClick={() => void batch('mark-success')}>
          Mark success
        </button>
        {message && <output>{message}</output>}
      </div>

      <table className="instances">
        <caption className="visually-hidden">Instances, newest data time first</caption>
        <thead>
          <tr>
            <th scope="col">
              <input
                type="checkbox"
                aria-label="Select all shown"
                checked={items.length > 0 && items.every((i) => selected.has(i.id))}
                onChange={(e) => setSelected(e.target.checked ? new Set(items.map((i) => i.id)) : new Set())}
              />
            </th>
            {shown.map((c) => (
              <th key={c.key} scope="col">
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {items.map((i) => (
            <tr key={i.id} data-status={i.status}>
              <td>
                <input
                  type="checkbox"
                  aria-label={`Select ${i.id}`}
                  checked={selected.has(i.id)}
                  onChange={() => toggle(i.id)}
                />
              </td>
              {shown.map((c) => (
                <td key={c.key}>{c.cell(i)}</td>
              ))}
            </tr>
          ))}
          {data && items.length === 0 && (
            <tr>
              <td colSpan={shown.length + 1}>No instances match.</td>
            </tr>
          )}
        </tbody>
      </table>
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous
        </button>
        <span>Page {cursors.length}</span>
        <button
          type="button"
          disabled={!data?.cursor}
          onClick={() => data?.cursor && setCursors([...cursors, data.cursor])}
        >
          Next
        </button>
      </nav>
    </section>
  );
}
