// The console: a hash router over four areas (instances, workflows, events, and an
// instance's detail), a header with the live connection state.
import { type ReactNode, useEffect, useState } from 'react';
import type { Connection } from './live.ts';
import { EventsPage } from './pages/events.tsx';
import { InstancePage } from './pages/instance.tsx';
import { InstancesPage } from './pages/instances.tsx';
import { WorkflowPage, WorkflowsPage } from './pages/workflows.tsx';

function useHash(): string {
  const [hash, setHash] = useState(() => window.location.hash || '#/instances');
  useEffect(() => {
    const onChange = () => setHash(window.location.hash || '#/instances');
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}

export function ConnectionBadge({
  connection,
  error,
}: {
  connection: Connection;
  error?: string | undefined;
}) {
  return (
    <output
      className={`connection connection-${connection.toLowerCase()}`}
      title={error ?? connection}
      aria-live="polite"
    >
      <span aria-hidden="true" className="dot" />
      {connection}
    </output>
  );
}

export function StatusBadge({ status, title }: { status: string; title?: string | undefined }) {
  return (
    <span className={`status status-${status.toLowerCase()}`} title={title}>
      {status}
    </span>
  );
}

/** Buttons that switch between views of one thing (a tab list), the selected one marked. */
export function TabList<T extends string>(props: {
  label: string;
  tabs: readonly T[];
  selected: T;
  onSelect: (tab: T) => void;
  text: (tab: T) => ReactNode;
}) {
  return (
    <div role="tablist" aria-label={props.label}>
      {props.tabs.map((tab) => (
        <button
          key={tab}
          type="button"
          role="tab"
          aria-selected={props.selected === tab}
          onClick={() => props.onSelect(tab)}
        >
          {props.text(tab)}
        </button>
      ))}
    </div>
  );
}

export function App() {
  const hash = useHash();
  const [area = 'instances', id] = hash.replace(/^#\//, '').split('/').map(decodeURIComponent);
  const nav = [
    ['instances', 'Instances'],
    ['workflows', 'Workflows'],
    ['events', 'Events'],
  ] as const;
  let page: React.ReactNode;
  if (area === 'instances' && id) page = <InstancePage id={id} />;
  else if (area === 'workflows' && id) page = <WorkflowPage id={id} />;
  else if (area === 'workflows') page = <WorkflowsPage />;
  else if (area === 'events') page = <EventsPage />;
  else page = <InstancesPage />;
  return (
    <>
      <header className="top">
        <a className="brand" href="#/instances">
          Rondo
        </a>
        <nav aria-label="Areas">
          {nav.map(([key, label]) => (
            <a key={key} href={`#/${key}`} aria-current={area === key ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
      </header>
      <main>{page}</main>
    </>
  );
}

export const time = (iso?: string | null) => (iso ? iso.replace('T', ' ').slice(0, 19) : '');
export const duration = (ms?: number) =>
  ms === undefined ? '' : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
