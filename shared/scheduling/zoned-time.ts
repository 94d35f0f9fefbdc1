// Wall-clock maths in an IANA time zone with nothing but Intl.

export type WallTime = {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
};

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock time at `date` in `timeZone`. */
export function toWallTime(date: Date, timeZone: string): WallTime {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(date)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 0,
    day: parts.day ?? 0,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

function wallAsUtcMs(wall: WallTime): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
}

/**
 * The instant a wall-clock time names in `timeZone`. A time skipped by a spring-forward
 * gap resolves to the instant after the gap; an ambiguous fall-back time to the earlier.
 */
export function fromWallTime(wall: WallTime, timeZone: string): Date {
  const target = wallAsUtcMs(wall);
  // Offsets around the target; try the earlier one first so fall-back picks the first.
  const offsets = [target - 86_400_000, target + 86_400_000].map(
    (probe) => wallAsUtcMs(toWallTime(new Date(probe), timeZone)) - probe,
  );
  for (const offset of offsets.sort((a, b) => b - a)) {
    const candidate = new Date(target - offset);
    if (wallAsUtcMs(toWallTime(candidate, timeZone)) === target) return candidate;
  }
  // In a gap the wall time does not exist: read it with the offset from before the gap,
  // which lands as far past the gap as the time was into it (02:30 → 03:30 CEST).
  return new Date(target - Math.min(...offsets));
}
