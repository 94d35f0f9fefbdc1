// One instance (seed 001): its facts, lifecycle timeline, attempts, logs (search, follow,
// download), lineage, operation records, and the actions an operator takes on it.
import { useEffect, useState } from 'react';
import { api, FINISHED_STATUSES, type Instance, type InstanceStatus, type LogPage, path } from '../api.ts';
import { ConnectionBadge, duration, StatusBadge, TabList, time } from '../app.tsx';
import { Graph } from '../graph.tsx';
import { useLive } from '../live.ts';

const LIFECYCLE: InstanceStatus[] = ['WAITING_EVENT', 'WAITING_UPSTREAM', 'WAITING_EXECUTION', 'RUNNING'];

/** The steps of the lifecycle: done (green), the current one, failed (red), to come (grey). */
function Timeline({ instance }: { instance: Instance }) {
  const reached = new Map(instance.transitions.map((t) => [t.status, t.at]));
  const steps = [...LIFECYCLE.filter((s) => s !== 'WAITING_EVENT' || reached.has(s))];
  if (reached.has('RETRYING')) steps.splice(steps.indexOf('RUNNING') + 1, 0, 'RETRYING');
  const end = FINISHED_STATUSES.has(instance.status) ? instance.status : 'SUCCESS';
  steps.push(end);
  const current = instance.status;
  return (
    <ol className="timeline" aria-label="Lifecycle">
      {steps.map((step) => {
        const state =
          step === current
            ? FINISHED_STATUSES.has(step)
              ? step === 'SUCCESS'
                ? 'done'
                : 'failed'
              : 'current'
            : reached.has(step)
              ? 'done'
              : 'future';
        return (
          <li
            key={step}
            className={`step step-${state}`}
            aria-current={step === current ? 'step' : undefined}
          >
            <span className="step-name">{step}</span>
            <span className="step-time">{time(reached.get(step))}</span>
            <span className="visually-hidden">{state}</span>
          </li>
        );
      })}
    </ol>
  );
}

function LogViewer({ instance }: { instance: Instance }) {
  const attempts = instance.attempts ?? [];
  const [attempt, setAttempt] = useState(attempts.at(-1)?.number ?? 1);
  const [stream, setStream] = useState<'stdout' | 'stderr'>('stdout');
  const [page, setPage] = useState(1);
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const [match, setMatch] = useState(0);
  const [follow, setFollow] = useState(false);
  const [counts, setCounts] = useState<Record<string, number>>({});
  const running = attempts.find((a) => a.number === attempt)?.status === 'RUNNING';
  const base = `/v1/instances/${path(instance.id)}/attempts/${attempt}/logs`;
  const { data, reload } = useLive(
    () =>
      api.get<LogPage>(
        `${base}?stream=${stream}&page=${page}${search ? `&q=${encodeURIComponent(search)}` : ''}`,
      ),
    follow && running ? 2000 : 60_000,
    `${base}|${stream}|${page}|${search}|${follow}`,
  );
  useEffect(() => {
    // Line counts of both streams, for the tabs.
    void Promise.all(
      (['stdout', 'stderr'] as const).map(async (s) => {
        const first = await api.get<LogPage>(`${base}?stream=${s}&page=1`).catch(() => undefined);
        if (!first) return [s, 0] as const;
        const last =
          first.pages > 1 ? await api.get<LogPage>(`${base}?stream=${s}&page=${first.pages}`) : first;
        return [s, (first.pages - 1) * 500 + last.lines.length] as const;
      }),
    ).then((pairs) => setCounts(Object.fromEntries(pairs)));
  }, [base]);
  const matches = data?.search?.matches ?? [];
  const current = matches[match];
  useEffect(() => {
    if (current && current.page !== page) setPage(current.page);
  }, [current, page]);

  return (
    <section aria-labelledby="logs-title" className="logs">
      <h2 id="logs-title">Logs</h2>
      <div className="log-controls">
        <label>
          Attempt{' '}
          <select value={attempt} onChange={(e) => setAttempt(Number(e.target.value))}>
            {attempts.map((a) => (
              <option key={a.number} value={a.number}>
                {a.number}
              </option>
            ))}
          </select>
        </label>
        <TabList
          label="Stream"
          tabs={['stdout', 'stderr'] as const}
          selected={stream}
          onSelect={(s) => {
            setStream(s);
            setPage(1);
          }}
          text={(s) => `${s} (${counts[s] ?? 0})`}
        />
        <form
          aria-label="Log search"
          onSubmit={(e) => {
            e.preventDefault();
            setSearch(q);
            setMatch(0);
          }}
        >
          <label>
            Search logs <input value={q} onChange={(e) => setQ(e.target.value)} />
          </label>
          <button type="submit">Find</button>
        </form>
        {search && (
          <span className="matches" aria-live="polite">
            {data?.search?.total ?? 0} match(es)
            <button
              type="button"
              disabled={!matches.length}
              onClick={() => setMatch((match - 1 + matches.length) % matches.length)}
            >
              Previous match
            </button>
            <button
              type="button"
              disabled={!matches.length}
              onClick={() => setMatch((match + 1) % matches.length)}
            >
              Next match
            </button>
          </span>
        )}
        <label>
          <input
            type="checkbox"
            checked={follow}
            disabled={!running}
            onChange={(e) => setFollow(e.target.checked)}
          />{' '}
          Follow
        </label>
        <button type="button" onClick={reload}>
          Reload
        </button>
        <a className="button" href={`${base}/download?stream=${stream}`} download>
          Download
        </a>
      </div>
      <pre className="log" role="log" aria-label={`${stream} of attempt ${attempt}`}>
        {(data?.lines ?? []).map((line, i) => {
          const lineNo = (page - 1) * 500 + i + 1;
          const isMatch = current && current.page === page && current.line === i + 1;
          const hit = search && line.includes(search);
          return (
            <div key={lineNo} className={isMatch ? 'line line-current' : hit ? 'line line-hit' : 'line'}>
              <span className="line-no">{lineNo}</span> {line}
            </div>
          );
        })}
      </pre>
      <nav className="pager" aria-label="Log pages">
        <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
          Previous page
        </button>
        <span>
          Page {page} of {data?.pages ?? 1}
        </span>
        <button type="button" disabled={page >= (data?.pages ?? 1)} onClick={() => setPage(page + 1)}>
          Next page
        </button>
      </nav>
    </section>
  );
}

type Iteration = {
  id: string;
  index: number;
  item: unknown;
  status: string;
  durationMs?: number;
  error?: { code: string };
};

/** A for-each's iterations (its current attempt's), each opening its own detail. */
function Iterations({ instance }: { instance: Instance }) {
  const { data } = useLive(
    () =>
      api.get<{ items: Iteration[]; attempt: number }>(
        `/v1/instances/${path(instance.id)}/iterations?limit=500`,
      ),
    3000,
    instance.id,
  );
  return (
    <section aria-labelledby="iterations-title" className="card">
      <h2 id="iterations-title">Iterations (attempt {data?.attempt ?? ''})</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Item</th>
            <th scope="col">Status</th>
            <th scope="col">Duration</th>
          </tr>
        </thead>
        <tbody>
          {(data?.items ?? []).map((i) => (
            <tr key={i.id}>
              <td>
                <a href={`#/instances/${encodeURIComponent(i.id)}`}>{i.index}</a>
              </td>
              <td>{JSON.stringify(i.item)}</td>
              <td>
                <StatusBadge status={i.status} title={i.error?.code} />
              </td>
              <td>{duration(i.durationMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

type Lineage = {
  nodes: { id: string; status: string; layer: number }[];
  edges: { from: string; to: string; removed: boolean }[];
};
type RerunPlan = { reset: Instance[]; skipped: (Instance & { reason: string })[]; dryRun: boolean };

function Actions({ instance, done }: { instance: Instance; done: () => void }) {
  const [scope, setScope] = useState('instance');
  const [range, setRange] = useState('workflow');
  const [plan, setPlan] = useState<RerunPlan | undefined>(undefined);
  const [message, setMessage] = useState('');
  const act = async (action: 'terminate' | 'mark-success') => {
    if (!window.confirm(`${action} ${instance.id}?`)) return;
    try {
      await api.post(`/v1/instances/${path(instance.id)}/${action}`);
      setMessage(`${action}: done`);
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e));
    }
    done();
  };
  const rerun = async (dryRun: boolean) => {
    try {
      const result = await api.post<RerunPlan>(`/v1/instances/${path(instance.id)}/rerun`, {
        scope,
        dryRun,
        ...(scope === 'instance' ? {} : { downstreamRange: range }),
      });
      if (dryRun) setPlan(result);
      else {
        setPlan(undefined);
        setMessage(`rerun: ${result.reset.length} instance(s) reset`);
        done();
      }
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <section aria-labelledby="actions-title" className="card">
      <h2 id="actions-title">Actions</h2>
      <button type="button" onClick={() => void act('terminate')}>
        Terminate
      </button>
      <button type="button" onClick={() => void act('mark-success')}>
        Mark success
      </button>
      <label>
        Rerun scope{' '}
        <select value={scope} onChange={(e) => setScope(e.target.value)}>
          <option value="instance">this instance</option>
          <option value="instance_and_downstream">this and downstream</option>
          <option value="downstream">downstream only</option>
        </select>
      </label>
      <label>
        Downstream in{' '}
        <select value={range} disabled={scope === 'instance'} onChange={(e) => setRange(e.target.value)}>
          <option value="workflow">this workflow</option>
          <option value="project">this folder</option>
          <option value="all">all workflows</option>
        </select>
      </label>
      <button type="button" onClick={() => void rerun(true)}>
        Preview rerun
      </button>
      {plan && (
        <section className="preview" aria-label="Rerun preview">
          <p>
            The rerun would reset {plan.reset.length} instance(s)
            {plan.skipped.length ? ` and leave ${plan.skipped.length} alone` : ''}:
          </p>
          <ul>
            {plan.reset.map((i) => (
              <li key={i.id}>
                {i.workflowId} · {i.taskId} · {time(i.dataTime)} (was {i.status})
              </li>
            ))}
          </ul>
          <button type="button" onClick={() => void rerun(false)}>
            Confirm rerun
          </button>
        </section>
      )}
      {message && <output>{message}</output>}
    </section>
  );
}

export function InstancePage({ id }: { id: string }) {
  const {
    data: instance,
    connection,
    error,
    reload,
  } = useLive(() => api.get<Instance>(`/v1/instances/${path(id)}`), 2000, id);
  const [depth, setDepth] = useState(1);
  const [lineageAs, setLineageAs] = useState<'graph' | 'list'>('graph');
  const lineage = useLive(
    () => api.get<Lineage>(`/v1/instances/${path(id)}/lineage?direction=both&depth=${depth}`),
    3000,
    `lineage|${id}|${depth}`,
  );
  const operations = useLive(
    () =>
      api.get<{ items: { id: string; action: string; actor: string; at: string; status: string }[] }>(
        `/v1/instances/${path(id)}/operations`,
      ),
    10_000,
    `ops|${id}`,
  );
  const removeDependency = async (upstreamId: string) => {
    const sure = window.confirm(
      `Remove the dependency of ${id} on ${upstreamId}? This cannot be undone: the instance no longer waits for it.`,
    );
    if (!sure) return;
    await api.post(`/v1/instances/${path(id)}/dependencies/${path(upstreamId)}/remove`);
    lineage.reload();
    reload();
  };
  if (!instance) {
    return (
      <section>
        <h1>Instance {id}</h1>
        <ConnectionBadge connection={connection} error={error} />
      </section>
    );
  }
  return (
    <section aria-labelledby="instance-title">
      <div className="title-row">
        <h1 id="instance-title">
          {instance.taskName || instance.taskId} <StatusBadge status={instance.status} />
        </h1>
        <ConnectionBadge connection={connection} error={error} />
      </div>
      <dl className="facts">
        <dt>Id</dt>
        <dd>{instance.id}</dd>
        <dt>Workflow</dt>
        <dd>
          <a href={`#/workflows/${encodeURIComponent(instance.workflowId)}`}>{instance.workflowId}</a>
        </dd>
        <dt>Data time</dt>
        <dd>{time(instance.dataTime)}</dd>
        <dt>Task type</dt>
        <dd>{instance.taskType}</dd>
        <dt>Run</dt>
        <dd>{instance.runId}</dd>
        <dt>Duration</dt>
        <dd>{duration(instance.durationMs)}</dd>
        <dt>Retries</dt>
        <dd>{instance.retries}</dd>
        {instance.diagnostics && (
          <>
            <dt>Diagnostics</dt>
            <dd>{instance.diagnostics.summary}</dd>
          </>
        )}
      </dl>
      <h2>Lifecycle</h2>
      <Timeline instance={instance} />
      <h2>Attempts</h2>
      <table className="attempts">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Trigger</th>
            <th scope="col">Start</th>
            <th scope="col">End</th>
            <th scope="col">Status</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {(instance.attempts ?? []).map((a) => (
            <tr key={a.number}>
              <td>{a.number}</td>
              <td>{a.trigger}</td>
              <td>{time(a.startTime)}</td>
              <td>{time(a.endTime)}</td>
              <td>
                <StatusBadge status={a.status} />
              </td>
              <td>{a.error ? `${a.error.code}: ${a.error.message}` : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {(instance.attempts ?? []).length > 0 && <LogViewer instance={instance} />}
      {instance.taskType === 'foreach' && <Iterations instance={instance} />}
      <Actions instance={instance} done={reload} />
      <section aria-labelledby="lineage-title" className="card">
        <h2 id="lineage-title">Lineage</h2>
        <div className="graph-controls">
          <span>
            {depth} layer(s) up and down{' '}
            <button type="button" disabled={depth >= 10} onClick={() => setDepth(depth + 1)}>
              Expand a layer
            </button>
          </span>
          <TabList
            label="Lineage view"
            tabs={['graph', 'list'] as const}
            selected={lineageAs}
            onSelect={setLineageAs}
            text={(v) => (v === 'graph' ? 'Graph' : 'List')}
          />
        </div>
        {lineageAs === 'graph' && (
          <Graph
            label={`Lineage of ${id}`}
            nodes={(lineage.data?.nodes ?? []).map((n) => ({
              id: n.id,
              label: n.id.slice(n.id.lastIndexOf('.') + 1),
              layer: n.layer,
              status: n.status,
              current: n.id === id,
              href: `#/instances/${encodeURIComponent(n.id)}`,
            }))}
            edges={lineage.data?.edges ?? []}
          />
        )}
        <ul className="lineage" hidden={lineageAs !== 'list'}>
          {[...(lineage.data?.nodes ?? [])]
            .sort((a, b) => a.layer - b.layer)
            .map((n) => (
              <li key={n.id} data-layer={n.layer}>
                <span className="layer">
                  {n.layer < 0 ? `upstream ${-n.layer}` : n.layer > 0 ? `downstream ${n.layer}` : 'this'}
                </span>{' '}
                <a href={`#/instances/${encodeURIComponent(n.id)}`}>{n.id}</a>{' '}
                <StatusBadge status={n.status} />
                {(lineage.data?.edges ?? []).some((e) => e.from === n.id && e.to === id && e.removed) && (
                  <span className="removed"> (dependency removed)</span>
                )}
                {(lineage.data?.edges ?? []).some((e) => e.from === n.id && e.to === id && !e.removed) && (
                  <button type="button" onClick={() => void removeDependency(n.id)}>
                    Remove dependency
                  </button>
                )}
              </li>
            ))}
        </ul>
      </section>
      <section aria-labelledby="ops-title" className="card">
        <h2 id="ops-title">Operation records</h2>
        <ul>
          {(operations.data?.items ?? []).map((o) => (
            <li key={o.id}>
              {time(o.at)} {o.actor} {o.action} {o.status}
            </li>
          ))}
        </ul>
      </section>
    </section>
  );
}
