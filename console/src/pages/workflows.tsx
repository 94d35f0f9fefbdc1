// Workflows by folder; one workflow's tasks and edges, versions, schedule (enable, pause)
// and "run now".
import { useState } from 'react';
import { api, type Page, path } from '../api.ts';
import { ConnectionBadge, StatusBadge, time } from '../app.tsx';
import { Graph, layersOf } from '../graph.tsx';
import { useLive } from '../live.ts';

type Definition = {
  id: string;
  name: string;
  folder: string;
  schedule?: { expression: string; timezone: string; status: 'ENABLED' | 'PAUSED' };
  tasks: { id: string; name?: string; type: string }[];
  edges: { from: string; to: string; condition: string }[];
};
type Stored = { definition: Definition; version: number; owner: string; savedAt?: string };

export function WorkflowsPage() {
  const [folder, setFolder] = useState('/');
  const { data, connection, error } = useLive(
    () => api.get<Page<Stored>>(`/v1/workflows?folder=${encodeURIComponent(folder)}&limit=200`),
    10_000,
    folder,
  );
  return (
    <section aria-labelledby="workflows-title">
      <div className="title-row">
        <h1 id="workflows-title">Workflows</h1>
        <ConnectionBadge connection={connection} error={error} />
      </div>
      <label>
        Folder <input value={folder} onChange={(e) => setFolder(e.target.value || '/')} />
      </label>
      <table>
        <thead>
          <tr>
            <th scope="col">Workflow</th>
            <th scope="col">Folder</th>
            <th scope="col">Version</th>
            <th scope="col">Owner</th>
            <th scope="col">Schedule</th>
          </tr>
        </thead>
        <tbody>
          {(data?.items ?? []).map((w) => (
            <tr key={w.definition.id}>
              <td>
                <a href={`#/workflows/${encodeURIComponent(w.definition.id)}`}>{w.definition.name}</a>
              </td>
              <td>{w.definition.folder}</td>
              <td>{w.version}</td>
              <td>{w.owner}</td>
              <td>
                {w.definition.schedule
                  ? `${w.definition.schedule.expression} (${w.definition.schedule.status})`
                  : 'none'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function WorkflowPage({ id }: { id: string }) {
  const { data, connection, error, reload } = useLive(
    () => api.get<Stored>(`/v1/workflows/${path(id)}`),
    10_000,
    id,
  );
  const versions = useLive(
    () => api.get<Page<Stored>>(`/v1/workflows/${path(id)}/versions`),
    30_000,
    `v|${id}`,
  );
  const runs = useLive(
    () =>
      api.get<Page<{ id: string; status: string; dataTime: string; type: string }>>(
        `/v1/runs?workflowId=${encodeURIComponent(id)}`,
      ),
    3000,
    `r|${id}`,
  );
  const [message, setMessage] = useState('');
  if (!data) return <ConnectionBadge connection={connection} error={error} />;
  const { definition } = data;
  const setSchedule = async (status: 'ENABLED' | 'PAUSED') => {
    if (!definition.schedule) return;
    await api.put(`/v1/workflows/${path(id)}/schedule`, { ...definition.schedule, status });
    reload();
  };
  return (
    <section aria-labelledby="workflow-title">
      <div className="title-row">
        <h1 id="workflow-title">{definition.name}</h1>
        <ConnectionBadge connection={connection} error={error} />
      </div>
      <p>
        {definition.folder} · version {data.version} · owner {data.owner}
      </p>
      <div className="card">
        <h2>Scheduling</h2>
        {definition.schedule ? (
          <p>
            {definition.schedule.expression} ({definition.schedule.timezone}): {definition.schedule.status}{' '}
            {definition.schedule.status === 'ENABLED' ? (
              <button type="button" onClick={() => void setSchedule('PAUSED')}>
                Pause
              </button>
            ) : (
              <button type="button" onClick={() => void setSchedule('ENABLED')}>
                Enable
              </button>
            )}
          </p>
        ) : (
          <p>No schedule.</p>
        )}
        <button
          type="button"
          onClick={() =>
            void api
              .post<{ id: string }>(`/v1/workflows/${path(id)}/runs`, {})
              .then((run) => setMessage(`run ${run.id} started`))
          }
        >
          Run now
        </button>
        {message && <output>{message}</output>}
      </div>
      <Backfill id={id} />
      <h2>Tasks</h2>
      <Dag definition={definition} runId={runs.data?.items[0]?.id} />
      <ul className="dag">
        {definition.tasks.map((t) => (
          <li key={t.id}>
            <strong>{t.name ?? t.id}</strong> ({t.type})
            {definition.edges.filter((e) => e.from === t.id).length > 0 && (
              <span>
                {' → '}
                {definition.edges
                  .filter((e) => e.from === t.id)
                  .map((e) => (e.condition === 'SUCCESS' ? e.to : `${e.to} (${e.condition})`))
                  .join(', ')}
              </span>
            )}
          </li>
        ))}
      </ul>
      <h2>Latest runs</h2>
      <ul>
        {(runs.data?.items ?? []).slice(0, 10).map((r) => (
          <li key={r.id}>
            {time(r.dataTime)} {r.type} <StatusBadge status={r.status} />
          </li>
        ))}
      </ul>
      <h2>Versions</h2>
      <ul>
        {(versions.data?.items ?? []).map((v) => (
          <li key={v.version}>
            version {v.version} {v.savedAt ? `· ${time(v.savedAt)}` : ''}
          </li>
        ))}
      </ul>
    </section>
  );
}

type BackfillView = { id: string; status: string; progress: { total: number; done: number; failed: number } };

/** Supplementary runs over a data-time range: order, parallelism, parameter sets; its progress. */
function Backfill({ id }: { id: string }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [order, setOrder] = useState('ASC');
  const [parallelism, setParallelism] = useState(1);
  const [parameterSets, setParameterSets] = useState('');
  const [backfillId, setBackfillId] = useState<string | undefined>(undefined);
  const [message, setMessage] = useState('');
  const progress = useLive(
    () =>
      backfillId ? api.get<BackfillView>(`/v1/backfills/${path(backfillId)}`) : Promise.resolve(undefined),
    2000,
    backfillId ?? '',
  );
  const start = async (e: React.FormEvent) => {
    e.preventDefault();
    try {
      const sets = parameterSets.trim() ? (JSON.parse(parameterSets) as unknown) : undefined;
      const created = await api.post<BackfillView>(`/v1/workflows/${path(id)}/backfills`, {
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        order,
        parallelism,
        ...(sets ? { parameterSets: sets } : {}),
      });
      setBackfillId(created.id);
      setMessage('');
    } catch (error) {
      setMessage(error instanceof Error ? error.message : String(error));
    }
  };
  const view = progress.data;
  return (
    <form className="card" aria-labelledby="backfill-title" onSubmit={(e) => void start(e)}>
      <h2 id="backfill-title">Backfill</h2>
      <label>
        From <input type="datetime-local" required value={from} onChange={(e) => setFrom(e.target.value)} />
      </label>{' '}
      <label>
        To <input type="datetime-local" required value={to} onChange={(e) => setTo(e.target.value)} />
      </label>{' '}
      <label>
        Order{' '}
        <select value={order} onChange={(e) => setOrder(e.target.value)}>
          <option value="ASC">oldest first</option>
          <option value="DESC">newest first</option>
        </select>
      </label>{' '}
      <label>
        Parallelism{' '}
        <input
          type="number"
          min={1}
          max={100}
          value={parallelism}
          onChange={(e) => setParallelism(Number(e.target.value))}
        />
      </label>{' '}
      <label>
        Parameter sets (JSON list){' '}
        <input
          value={parameterSets}
          onChange={(e) => setParameterSets(e.target.value)}
          placeholder='[{"region": "eu"}]'
        />
      </label>{' '}
      <button type="submit">Start backfill</button>
      {message && <output>{message}</output>}
      {view && (
        <p>
          <progress max={view.progress.total} value={view.progress.done} aria-label="Backfill progress" />{' '}
          {view.status}: {view.progress.done}/{view.progress.total} runs, {view.progress.failed} failed
        </p>
      )}
    </form>
  );
}

/** The workflow's DAG, each task coloured by its instance in the latest run. */
function Dag({ definition, runId }: { definition: Definition; runId: string | undefined }) {
  const run = useLive(
    () =>
      runId
        ? api.get<{ instances: { taskId: string; status: string; id: string }[] }>(`/v1/runs/${path(runId)}`)
        : Promise.resolve(undefined),
    3000,
    runId ?? '',
  );
  const layers = layersOf(
    definition.tasks.map((t) => t.id),
    definition.edges,
  );
  const byTask = new Map((run.data?.instances ?? []).map((i) => [i.taskId, i]));
  return (
    <Graph
      label={`Tasks of ${definition.id}${runId ? `, coloured by run ${runId}` : ''}`}
      nodes={definition.tasks.map((t) => {
        const instance = byTask.get(t.id);
        return {
          id: t.id,
          label: t.name ?? t.id,
          layer: layers.get(t.id) ?? 0,
          ...(instance
            ? { status: instance.status, href: `#/instances/${encodeURIComponent(instance.id)}` }
            : {}),
        };
      })}
      edges={definition.edges}
    />
  );
}
