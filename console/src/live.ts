// Live data: polls an API read, and says how the connection is (Live, Connecting, Error,
// Disconnected while the page is hidden); after an error it retries by itself, backing off.
import { useCallback, useEffect, useRef, useState } from 'react';

export type Connection = 'Live' | 'Connecting' | 'Error' | 'Disconnected';

export function useLive<T>(load: () => Promise<T>, everyMs: number, key: string) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [connection, setConnection] = useState<Connection>('Connecting');
  const [error, setError] = useState<string | undefined>(undefined);
  const loadRef = useRef(load);
  loadRef.current = load;
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` and `tick` restart the loop on purpose.
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    setConnection('Connecting');
    const poll = async () => {
      if (document.hidden) {
        setConnection('Disconnected');
        timer = setTimeout(poll, everyMs);
        return;
      }
      try {
        const value = await loadRef.current();
        if (stopped) return;
        setData(value);
        setError(undefined);
        setConnection('Live');
        failures = 0;
      } catch (e) {
        if (stopped) return;
        failures++;
        setError(e instanceof Error ? e.message : String(e));
        setConnection('Error');
      }
      if (!stopped) timer = setTimeout(poll, failures ? Math.min(30_000, everyMs * 2 ** failures) : everyMs);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [key, tick, everyMs]);

  return { data, connection, error, reload };
}
