// Workflows by folder; one workflow's tasks and edges, versions, schedule (enable, pause)
// and "run now".
import { useState } from 'react';
import { api, type Page, path } from '../api.ts';
import { ConnectionBadge, StatusBadge, time } from '../app.tsx';
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
      <h2>Tasks</h2>
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
