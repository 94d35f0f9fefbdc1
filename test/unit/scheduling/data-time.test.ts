import { describe, expect, it } from 'vitest';
import { dataTimeFor } from '#shared/scheduling/data-time.ts';
import { fromWallTime } from '#shared/scheduling/zoned-time.ts';

const at = (iso: string) => new Date(iso);

describe('data time: start of the previous cycle period, in the schedule time zone', () => {
  it('daily: the previous day at local midnight', () => {
    // 2026-01-02 02:30 in Berlin (UTC+1) processes 2026-01-01, whose midnight is 2025-12-31T23:00Z.
    expect(dataTimeFor(at('2026-01-02T01:30:00Z'), 'DAY', 'Europe/Berlin').toISOString()).toBe(
      '2025-12-31T23:00:00.000Z',
    );
    expect(dataTimeFor(at('2026-01-02T02:30:00Z'), 'DAY', 'UTC').toISOString()).toBe(
      '2026-01-01T00:00:00.000Z',
    );
  });

  it('hourly and per minute', () => {
    expect(dataTimeFor(at('2026-05-05T10:15:42Z'), 'HOUR', 'UTC').toISOString()).toBe(
      '2026-05-05T09:00:00.000Z',
    );
    expect(dataTimeFor(at('2026-05-05T10:15:42Z'), 'MINUTE', 'UTC').toISOString()).toBe(
      '2026-05-05T10:14:00.000Z',
    );
  });

  it('weekly: the Monday of the previous ISO week', () => {
    // 2026-01-07 is a Wednesday; its week starts Monday 2026-01-05; the previous one 2025-12-29.
    expect(dataTimeFor(at('2026-01-07T06:00:00Z'), 'WEEK', 'UTC').toISOString()).toBe(
      '2025-12-29T00:00:00.000Z',
    );
  });

  it('monthly: the first day of the previous month, across a year end', () => {
    expect(dataTimeFor(at('2026-01-01T03:00:00Z'), 'MONTH', 'UTC').toISOString()).toBe(
      '2025-12-01T00:00:00.000Z',
    );
    expect(dataTimeFor(at('2026-03-31T03:00:00Z'), 'MONTH', 'America/New_York').toISOString()).toBe(
      '2026-02-01T05:00:00.000Z',
    );
  });

  it('daily across the spring-forward day keeps local midnight', () => {
    // Berlin switches to CEST on 2026-03-29; the run on the 30th processes the 29th from 00:00 CET.
    expect(dataTimeFor(at('2026-03-30T01:00:00Z'), 'DAY', 'Europe/Berlin').toISOString()).toBe(
      '2026-03-28T23:00:00.000Z',
    );
  });

  it('cron cycles have no period: the planned time itself, to the minute', () => {
    expect(dataTimeFor(at('2026-05-05T10:15:42Z'), 'CRON', 'UTC').toISOString()).toBe(
      '2026-05-05T10:15:00.000Z',
    );
  });
});

describe('wall time in a zone', () => {
  it('moves a time in the spring-forward gap past the gap', () => {
    // 02:30 does not exist in Berlin on 2026-03-29; it reads as 03:30 CEST = 01:30Z.
    const wall = { year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 0 };
    expect(fromWallTime(wall, 'Europe/Berlin').toISOString()).toBe('2026-03-29T01:30:00.000Z');
  });

  it('reads an ambiguous fall-back time as its first occurrence', () => {
    // 02:30 happens twice in Berlin on 2026-10-25: first at CEST (00:30Z), then CET (01:30Z).
    const wall = { year: 2026, month: 10, day: 25, hour: 2, minute: 30, second: 0 };
    expect(fromWallTime(wall, 'Europe/Berlin').toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });
});
