// Resource groups cap how many instances of the group run at once. Only groups given a
// limit are counted (the default group is unlimited and costs no extra write); a warm
// function caches limits briefly.
import type { EngineDeps } from './deps.ts';

const cache = new Map<string, { limit: number | undefined; until: number }>();

export async function resourceGroupLimit(
  deps: Pick<EngineDeps, 'store' | 'clock' | 'settings'>,
  group: string,
): Promise<number | undefined> {
  const now = deps.clock.now().getTime();
  const cached = cache.get(group);
  if (cached && cached.until > now) return cached.limit;
  const stored = await deps.store.getResourceGroup(group);
  const limit = stored && Number.isFinite(stored.limit) ? stored.limit : undefined;
  cache.set(group, { limit, until: now + deps.settings.resourceGroupCacheSeconds * 1000 });
  return limit;
}

export async function setResourceGroupLimit(deps: Pick<EngineDeps, 'store'>, group: string, limit: number) {
  const stored = await deps.store.putResourceGroup(group, limit);
  // After the write: a read under way meanwhile would otherwise cache the old limit again.
  cache.delete(group);
  return stored;
}
