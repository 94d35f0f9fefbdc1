// Data time: the business time a run processes, derived from its planned (scheduled) time.
// Rondo follows Airflow's data interval: the data time is the start of the cycle period
// before the one the planned time falls in, in the schedule's time zone (a daily run
// planned for 2026-01-02 02:30 processes 2026-01-01). A CRON cycle has no period: its data
// time is the planned time, to the minute.
import type { CycleType } from '../model/workflow.ts';
import { fromWallTime, toWallTime, type WallTime } from './zoned-time.ts';

export function dataTimeFor(plannedTime: Date, cycle: CycleType, timeZone: string): Date {
  const w = toWallTime(plannedTime, timeZone);
  const start: WallTime = { ...w, second: 0 };
  switch (cycle) {
    case 'CRON':
      return fromWallTime(start, timeZone);
    case 'MINUTE':
      return shift(start, { minute: -1 }, timeZone);
    case 'HOUR':
      return shift({ ...start, minute: 0 }, { hour: -1 }, timeZone);
    case 'DAY':
      return shift({ ...start, hour: 0, minute: 0 }, { day: -1 }, timeZone);
    case 'WEEK': {
      // ISO weeks start on Monday.
      const weekday = new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay();
      const sinceMonday = (weekday + 6) % 7;
      return shift({ ...start, hour: 0, minute: 0 }, { day: -sinceMonday - 7 }, timeZone);
    }
    case 'MONTH':
      return shift({ ...start, day: 1, hour: 0, minute: 0 }, { month: -1 }, timeZone);
  }
}

/** Moves a wall-clock time by calendar units (months clamp to the month's last day). */
export function shift(
  wall: WallTime,
  by: Partial<Record<'month' | 'day' | 'hour' | 'minute', number>>,
  timeZone: string,
): Date {
  if (by.hour || by.minute) {
    const base = fromWallTime(wall, timeZone).getTime();
    return new Date(base + (by.hour ?? 0) * 3_600_000 + (by.minute ?? 0) * 60_000);
  }
  const monthIndex = wall.year * 12 + (wall.month - 1) + (by.month ?? 0);
  const year = Math.floor(monthIndex / 12);
  const month = (monthIndex % 12) + 1;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const moved = new Date(Date.UTC(year, month - 1, Math.min(wall.day, lastDay) + (by.day ?? 0)));
  return fromWallTime(
    { ...wall, year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() },
    timeZone,
  );
}
