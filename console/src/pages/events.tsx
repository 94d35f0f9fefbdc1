// Event instances (seed 000): by name, status and data time, and the instances each released.
import { useState } from 'react';
import { api, type Page, path } from '../api.ts';
import { ConnectionBadge, StatusBadge, time } from '../app.tsx';
import { useLive } from '../live.ts';

type EventInstance = {
  id: string;
  name: string;
  dataTime: string;
  status: string;
  receivedAt?: string;
  source?: string;
};

function Consumers({ id }: { id: string }) {
  const { data } = useLive(
    () => api.get<{ items: { id: string; status: string }[] }>(`/v1/event-instances/${path(id)}/consumers`),
    5000,
    id,
  );
  const items = data?.items ?? [];
  if (items.length === 0) return <>none</>;
  return (
    <>
      {items.map((i) => (
        <a key={i.id} href={`#/instances/${encodeURIComponent(i.id)}`}>
          {i.id}
        </a>
      ))}
    </>
  );
}

export function EventsPage() {
  const [name, setName] = useState('');
  const [status, setStatus] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const query = new URLSearchParams({
    ...(name ? { name } : {}),
    ...(status ? { status } : {}),
    ...(from ? { dataTimeFrom: new Date(from).toISOString() } : {}),
    ...(to ? { dataTimeTo: new Date(to).toISOString() } : {}),
  }).toString();
  const { data, connection, error } = useLive(
    () => api.get<Page<EventInstance>>(`/v1/event-instances?${query}`),
    3000,
    query,
  );
  return (
    <section aria-labelledby="events-title">
      <div className="title-row">
        <h1 id="events-title">Events</h1>
        <ConnectionBadge connection={connection} error={error} />
      </div>
      <div className="filters">
        <label>
          Event name <input value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Status{' '}
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">any</option>
            {['PENDING', 'CONSUMING', 'CONSUMED', 'EXPIRED', 'REJECTED'].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Data time from{' '}
          <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          to <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
      </div>
      <table>
        <thead>
          <tr>
            <th scope="col">Event</th>
            <th scope="col">Data time</th>
            <th scope="col">Status</th>
            <th scope="col">Received</th>
            <th scope="col">Released instances</th>
          </tr>
        </thead>
        <tbody>
          {(data?.items ?? []).map((e) => (
            <tr key={e.id}>
              <td>{e.name}</td>
              <td>{time(e.dataTime)}</td>
              <td>
                <StatusBadge status={e.status} />
              </td>
              <td>{time(e.receivedAt)}</td>
              <td>
                <Consumers id={e.id} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
