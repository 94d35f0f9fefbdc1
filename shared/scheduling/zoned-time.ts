// Wall-clock maths in an IANA time zone with nothing but Intl. A "wall" is a local
// date-time written as milliseconds, as if the zone were UTC.

export type WallTime = {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
};

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
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

export function isValidTimeZone(tz: string): boolean {
  // Offset identifiers such as '+01:00' are accepted by recent Intl versions but are not IANA names.
  if (typeof tz !== 'string' || tz === '' || /^[+-]/.test(tz)) return false;
  try {
    formatterFor(tz);
    return true;
  } catch {
    return false;
  }
}

/** Local wall-clock time of `instant` in `timeZone`, as wall milliseconds (seconds kept, ms dropped). */
export function toWall(instant: number, timeZone: string): number {
  const parts = formatterFor(timeZone).formatToParts(new Date(instant));
  const get = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((part) => part.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
}

/** UTC offset in ms (local − UTC) at `instant`. */
export function offsetAt(instant: number, timeZone: string): number {
  const wholeSecond = instant - (((instant % 1000) + 1000) % 1000);
  return toWall(wholeSecond, timeZone) - wholeSecond;
}

/** All instants whose local wall-clock time in `timeZone` is `wall`: none in a gap, two when ambiguous. */
export function wallToInstants(wall: number, timeZone: string): number[] {
  // Transitions are months apart, so the offsets a day either side cover every candidate.
  const offsets = new Set([offsetAt(wall - DAY_MS, timeZone), offsetAt(wall + DAY_MS, timeZone)]);
  const instants: number[] = [];
  for (const offset of offsets) {
    const instant = wall - offset;
    if (offsetAt(instant, timeZone) === offset) instants.push(instant);
  }
  return instants.sort((a, b) => a - b);
}

/** The wall-clock time at `date` in `timeZone`. */
export function toWallTime(date: Date, timeZone: string): WallTime {
  const wall = new Date(toWall(date.getTime(), timeZone));
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour: wall.getUTCHours(),
    minute: wall.getUTCMinutes(),
    second: wall.getUTCSeconds(),
  };
}

/**
 * The instant a wall-clock time names in `timeZone`. An ambiguous fall-back time resolves to
 * its first occurrence; a time in a spring-forward gap is read with the offset from before
 * the gap, which lands as far past the gap as the time was into it (02:30 → 03:30 CEST).
 */
export function fromWallTime(wall: WallTime, timeZone: string): Date {
  const ms = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  const [first] = wallToInstants(ms, timeZone);
  return new Date(first ?? ms - offsetAt(ms - DAY_MS, timeZone));
}
