// Due times: when the reconciler may look at an instance that nothing else has moved.
import type { EngineSettings } from './deps.ts';

export function dueAfter(now: Date, seconds: number, settings: Pick<EngineSettings, 'graceSeconds'>): string {
  return new Date(now.getTime() + (seconds + settings.graceSeconds) * 1000).toISOString();
}
