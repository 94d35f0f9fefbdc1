import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CronScheduleExpression,
  fireTimesBetween,
  InvalidScheduleExpressionError,
  isValidTimeZone,
  nextFireTime,
  parseScheduleExpression,
  type ScheduleExpression,
} from '../../../shared/scheduling/schedule-expression.ts';

// Expected instants below were worked out by hand from the documented meaning of each expression, a
// calendar, and the time-zone rules (Berlin: CET +01:00 / CEST +02:00, switching on the last Sundays of March
// and October at 01:00 UTC; New York: EST -05:00 / EDT -04:00, switching on the second Sunday of March and
// the first Sunday of November at 02:00 local). Useful 2026 calendar facts: 1 Jan is a Thursday, 1 Feb and
// 1 Mar are Sundays, 1 Aug is a Saturday, 31 May is a Sunday.

const parse = parseScheduleExpression;

function next(expression: string, after: string, options: Partial<Omit<NextOptions, 'after'>> = {}): string {
  const result = nextFireTime(parse(expression), { ...toDates(options), after: new Date(after) });
  return result === undefined ? 'none' : result.toISOString();
}

interface NextOptions {
  after: string;
  timezone: string;
  start: string;
  end: string;
}

function toDates(options: Partial<Omit<NextOptions, 'after'>>): {
  timezone?: string;
  start?: Date;
  end?: Date;
} {
  return {
    ...(options.timezone === undefined ? {} : { timezone: options.timezone }),
    ...(options.start === undefined ? {} : { start: new Date(options.start) }),
    ...(options.end === undefined ? {} : { end: new Date(options.end) }),
  };
}

function between(
  expression: string,
  from: string,
  to: string,
  options: Partial<Omit<NextOptions, 'after'>> & { limit?: number } = {},
): string[] {
  return fireTimesBetween(parse(expression), {
    ...toDates(options),
    ...(options.limit === undefined ? {} : { limit: options.limit }),
    from: new Date(from),
    to: new Date(to),
  }).map((date) => date.toISOString());
}

function parseError(expression: string): InvalidScheduleExpressionError {
  try {
    parse(expression);
  } catch (error) {
    if (error instanceof InvalidScheduleExpressionError) return error;
    throw error;
  }
  throw new Error(`expected '${expression}' to be rejected`);
}

describe('parseScheduleExpression', () => {
  it('parses cron fields, names, ranges, steps and lists', () => {
    const expr = parse('cron(0/15 8-17 ? JAN,MAR-APR MON-FRI 2026)');
    expect(expr).toEqual({
      kind: 'cron',
      source: 'cron(0/15 8-17 ? JAN,MAR-APR MON-FRI 2026)',
      minutes: [0, 15, 30, 45],
      hours: [8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
      dayOfMonth: { kind: 'any' },
      months: [1, 3, 4],
      dayOfWeek: { kind: 'days', days: [2, 3, 4, 5, 6] },
      years: [2026],
    });
  });

  it('parses the special day fields', () => {
    const dom = (e: string) => (parse(e) as CronScheduleExpression).dayOfMonth;
    const dow = (e: string) => (parse(e) as CronScheduleExpression).dayOfWeek;
    expect(dom('cron(0 0 L * ? *)')).toEqual({ kind: 'last' });
    expect(dom('cron(0 0 LW * ? *)')).toEqual({ kind: 'lastWeekday' });
    expect(dom('cron(0 0 3W * ? *)')).toEqual({ kind: 'nearestWeekday', day: 3 });
    expect(dom('cron(0 0 1/10 * ? *)')).toEqual({ kind: 'days', days: [1, 11, 21, 31] });
    expect(dow('cron(0 0 ? * 5L *)')).toEqual({ kind: 'last', day: 5 });
    expect(dow('cron(0 0 ? * 3#2 *)')).toEqual({ kind: 'nth', day: 3, nth: 2 });
    expect(dow('cron(0 0 ? * MON#1 *)')).toEqual({ kind: 'nth', day: 2, nth: 1 });
    expect(dow('cron(0 0 ? * L *)')).toEqual({ kind: 'days', days: [7] });
    expect(dow('cron(0 0 ? * * *)')).toEqual({ kind: 'days', days: [1, 2, 3, 4, 5, 6, 7] });
  });

  it('lets ranges wrap around the end of a field and steps start from the given value', () => {
    const expr = parse('cron(1/10 22-2 ? NOV-FEB FRI-MON *)') as CronScheduleExpression;
    expect(expr.minutes).toEqual([1, 11, 21, 31, 41, 51]);
    expect(expr.hours).toEqual([0, 1, 2, 22, 23]);
    expect(expr.months).toEqual([1, 2, 11, 12]);
    expect(expr.dayOfWeek).toEqual({ kind: 'days', days: [1, 2, 6, 7] });
    expect((parse('cron(*/20 * * * ? 2020/50)') as CronScheduleExpression).years).toEqual([
      2020, 2070, 2120, 2170,
    ]);
  });

  it('parses rate and at expressions', () => {
    expect(parse('rate(1 minute)')).toEqual({
      kind: 'rate',
      source: 'rate(1 minute)',
      value: 1,
      unit: 'minutes',
    });
    expect(parse('rate(5 minutes)')).toEqual({
      kind: 'rate',
      source: 'rate(5 minutes)',
      value: 5,
      unit: 'minutes',
    });
    expect(parse('rate(1 hour)')).toMatchObject({ value: 1, unit: 'hours' });
    expect(parse('rate(12 hours)')).toMatchObject({ value: 12, unit: 'hours' });
    expect(parse('rate(1 day)')).toMatchObject({ value: 1, unit: 'days' });
    expect(parse('rate(7 days)')).toMatchObject({ value: 7, unit: 'days' });
    expect(parse('at(2026-06-01T09:00:00)')).toEqual({
      kind: 'at',
      source: 'at(2026-06-01T09:00:00)',
      at: '2026-06-01T09:00:00',
    });
    expect(parse('at(2024-02-29T23:59:59)')).toMatchObject({ at: '2024-02-29T23:59:59' });
  });

  describe('rejects invalid expressions with a code and the position of the fault', () => {
    const cases: [expression: string, position: number, message: RegExp][] = [
      // Five fields: the sixth (year) is missing where the ')' is.
      ['cron(0 10 * * ? )', 16, /exactly 6 fields.*got 5/],
      ['cron(0 10 * * ?)', 15, /got 5/],
      // Seven fields: the seventh starts at 18.
      ['cron(0 10 * * ? * *)', 18, /got 7/],
      ['cron(0 25 * * ? *)', 7, /25 is out of range for hours \(0-23\)/],
      ['cron(60 * * * ? *)', 5, /out of range for minutes/],
      ['cron(0 10 32 * ? *)', 10, /out of range for day-of-month/],
      ['cron(0 10 0 * ? *)', 10, /out of range for day-of-month/],
      ['cron(0 10 * 13 ? *)', 12, /out of range for month/],
      ['cron(0 10 * FOO ? *)', 12, /'FOO' is not a valid month value/],
      ['cron(0 10 ? * 8 *)', 14, /out of range for day-of-week/],
      ['cron(0 10 ? * 0 *)', 14, /out of range for day-of-week/],
      ['cron(0 10 * * ? 1969)', 16, /out of range for year/],
      ['cron(0 10 * * ? 2200)', 16, /out of range for year/],
      ['cron(0 10 * * ? 2030-2020)', 16, /reversed/],
      // Both '?' and neither '?': reported at the day-of-week field.
      ['cron(0 10 ? * ? *)', 14, /cannot both be '\?'/],
      ['cron(0 10 * * MON *)', 14, /must be '\?'/],
      ['cron(0 10 1 * 2 *)', 14, /must be '\?'/],
      ['cron(? 10 * * ? *)', 5, /'\?' is only allowed/],
      ['cron(0/0 * * * ? *)', 7, /increment '0'/],
      ['cron(0/x * * * ? *)', 7, /increment 'x'/],
      ['cron(0,,5 * * * ? *)', 7, /missing minutes value/],
      ['cron(0 1-25 * * ? *)', 9, /25 is out of range for hours/],
      ['cron(0 10 1,L * ? *)', 12, /'L' must be the only expression in day-of-month/],
      ['cron(0 10 ? * 3#1,6#3 *)', 15, /only one expression/],
      ['cron(0 10 ? * 2#6 *)', 16, /must be 1-5/],
      ['cron(0 10 ? * 1/2 *)', 15, /'\/' is not allowed in the day-of-week/],
      ['cron(0 10 15W * ? 2026/0)', 23, /increment '0'/],
      ['cron(0 L * * ? *)', 7, /'L' is not a valid hours value/],
      ['cron(0 10 * * ? *) ', 18, /after '\)'/],
      ['cron(0 10 * * ? *', 17, /missing closing/],
      ['CRON(0 10 * * ? *)', 0, /expected 'cron/],
      ['every 5 minutes', 0, /expected 'cron/],
      ['', 0, /expected 'cron/],
      ['rate(0 minutes)', 5, /positive integer/],
      ['rate(-5 minutes)', 5, /positive integer/],
      ['rate(1.5 hours)', 5, /positive integer/],
      ['rate(1 minutes)', 7, /must be singular/],
      ['rate(5 minute)', 7, /must be plural/],
      ['rate(1 hours)', 7, /must be singular/],
      ['rate(2 day)', 7, /must be plural/],
      ['rate(5 weeks)', 7, /unknown rate unit/],
      ['rate(5)', 6, /expected a unit/],
      ['rate()', 5, /expected rate\(value unit\)/],
      ['rate(5 minutes now)', 15, /exactly two fields/],
      ['at(2026-13-01T00:00:00)', 8, /month 13 is out of range/],
      ['at(2026-00-01T00:00:00)', 8, /month 00 is out of range/],
      ['at(2026-02-29T00:00:00)', 11, /day 29 is out of range for 2026-02/],
      ['at(2026-04-31T00:00:00)', 11, /day 31/],
      ['at(2026-06-01T24:00:00)', 14, /hour 24/],
      ['at(2026-06-01T09:60:00)', 17, /minute 60/],
      ['at(2026-06-01T09:00:60)', 20, /second 60/],
      ['at(2026-06-01 09:00:00)', 13, /'T' goes here/],
      ['at(2026-6-01T09:00:00)', 9, /a digit goes here/],
      ['at(2026-06-01T09:00)', 19, /':' goes here/],
      ['at(2026-06-01T09:00:00Z)', 22, /expected at\(yyyy-mm-ddThh:mm:ss\)/],
      ['at(1969-12-31T23:59:59)', 3, /before 1970/],
    ];
    for (const [expression, position, message] of cases) {
      it(`${expression || '(empty)'} → position ${position}`, () => {
        const error = parseError(expression);
        expect(error).toBeInstanceOf(Error);
        expect(error.name).toBe('InvalidScheduleExpressionError');
        expect(error.code).toBe('INVALID_SCHEDULE_EXPRESSION');
        expect(error.position).toBe(position);
        expect(error.message).toMatch(message);
        expect(error.message).toContain(`position ${position}`);
      });
    }
  });
});

describe('cron: the examples from the EventBridge cron expressions reference (UTC)', () => {
  it('cron(0 10 * * ? *) runs at 10:00 am every day', () => {
    expect(between('cron(0 10 * * ? *)', '2026-03-10T12:00:00Z', '2026-03-13T12:00:00Z')).toEqual([
      '2026-03-11T10:00:00.000Z',
      '2026-03-12T10:00:00.000Z',
      '2026-03-13T10:00:00.000Z',
    ]);
  });

  it('cron(15 12 * * ? *) runs at 12:15 pm every day, strictly after `after`', () => {
    expect(next('cron(15 12 * * ? *)', '2026-03-10T12:14:59.999Z')).toBe('2026-03-10T12:15:00.000Z');
    expect(next('cron(15 12 * * ? *)', '2026-03-10T12:15:00.000Z')).toBe('2026-03-11T12:15:00.000Z');
  });

  it('cron(0 18 ? * MON-FRI *) runs at 6:00 pm Monday through Friday', () => {
    // Thu 12 Mar, Fri 13 Mar, (weekend), Mon 16 Mar 2026.
    expect(between('cron(0 18 ? * MON-FRI *)', '2026-03-12T12:00:00Z', '2026-03-16T23:59:00Z')).toEqual([
      '2026-03-12T18:00:00.000Z',
      '2026-03-13T18:00:00.000Z',
      '2026-03-16T18:00:00.000Z',
    ]);
  });

  it('cron(0 8 1 * ? *) runs at 8:00 am on the first day of every month', () => {
    expect(between('cron(0 8 1 * ? *)', '2026-01-15T00:00:00Z', '2026-04-30T00:00:00Z')).toEqual([
      '2026-02-01T08:00:00.000Z',
      '2026-03-01T08:00:00.000Z',
      '2026-04-01T08:00:00.000Z',
    ]);
  });

  it('cron(0/15 * * * ? *) runs every 15 minutes', () => {
    expect(between('cron(0/15 * * * ? *)', '2026-03-10T10:07:00Z', '2026-03-10T11:00:00Z')).toEqual([
      '2026-03-10T10:15:00.000Z',
      '2026-03-10T10:30:00.000Z',
      '2026-03-10T10:45:00.000Z',
      '2026-03-10T11:00:00.000Z',
    ]);
  });

  it('cron(0/10 * ? * MON-FRI *) runs every 10 minutes Monday through Friday', () => {
    // From late Friday 13 March 2026 over the weekend to Monday 16 March.
    expect(between('cron(0/10 * ? * MON-FRI *)', '2026-03-13T23:45:00Z', '2026-03-16T00:10:00Z')).toEqual([
      '2026-03-13T23:50:00.000Z',
      '2026-03-16T00:00:00.000Z',
      '2026-03-16T00:10:00.000Z',
    ]);
  });

  it('cron(0/5 8-17 ? * MON-FRI *) runs every 5 minutes Monday through Friday, 8:00 am to 5:55 pm', () => {
    const monday = between('cron(0/5 8-17 ? * MON-FRI *)', '2026-03-16T00:00:00Z', '2026-03-17T00:00:00Z');
    expect(monday).toHaveLength(10 * 12);
    expect(monday[0]).toBe('2026-03-16T08:00:00.000Z');
    expect(monday.at(-1)).toBe('2026-03-16T17:55:00.000Z');
    expect(next('cron(0/5 8-17 ? * MON-FRI *)', '2026-03-13T17:55:00Z')).toBe('2026-03-16T08:00:00.000Z');
  });

  it('cron(0 9 ? * 2#1 *) runs at 9:00 am on the first Monday of every month', () => {
    expect(between('cron(0 9 ? * 2#1 *)', '2026-01-01T00:00:00Z', '2026-04-30T00:00:00Z')).toEqual([
      '2026-01-05T09:00:00.000Z',
      '2026-02-02T09:00:00.000Z',
      '2026-03-02T09:00:00.000Z',
      '2026-04-06T09:00:00.000Z',
    ]);
  });

  it('cron(15 10 ? * 6L 2022-2023) runs at 10:15 am on the last Friday of each month in 2022-2023', () => {
    expect(between('cron(15 10 ? * 6L 2022-2023)', '2023-11-01T00:00:00Z', '2030-01-01T00:00:00Z')).toEqual([
      '2023-11-24T10:15:00.000Z',
      '2023-12-29T10:15:00.000Z',
    ]);
    expect(next('cron(15 10 ? * 6L 2022-2023)', '2023-12-29T10:15:00Z')).toBe('none');
  });

  it('wrapping hour ranges run across midnight (cron(0/30 22-1 ? * MON-FRI *))', () => {
    // Hours 22, 23, 0 and 1 of every weekday: Friday night runs to 23:30, Saturday 00:xx does not match.
    expect(between('cron(0/30 22-1 ? * MON-FRI *)', '2026-03-13T21:00:00Z', '2026-03-16T01:00:00Z')).toEqual([
      '2026-03-13T22:00:00.000Z',
      '2026-03-13T22:30:00.000Z',
      '2026-03-13T23:00:00.000Z',
      '2026-03-13T23:30:00.000Z',
      '2026-03-16T00:00:00.000Z',
      '2026-03-16T00:30:00.000Z',
      '2026-03-16T01:00:00.000Z',
    ]);
  });
});

describe('cron: L, W and #', () => {
  it('L in day-of-month is the last day of the month, including 29 February in leap years', () => {
    expect(between('cron(0 0 L * ? *)', '2024-01-01T00:00:00Z', '2024-04-01T00:00:00Z')).toEqual([
      '2024-01-31T00:00:00.000Z',
      '2024-02-29T00:00:00.000Z',
      '2024-03-31T00:00:00.000Z',
    ]);
    expect(next('cron(0 0 L 2 ? *)', '2025-01-01T00:00:00Z')).toBe('2025-02-28T00:00:00.000Z');
  });

  it('LW is the last weekday of the month', () => {
    // 31 Jan 2026 is a Saturday, 28 Feb a Saturday, 31 Mar a Tuesday, 30 Apr a Thursday, 31 May a Sunday.
    expect(between('cron(0 10 LW * ? *)', '2026-01-01T00:00:00Z', '2026-06-01T00:00:00Z')).toEqual([
      '2026-01-30T10:00:00.000Z',
      '2026-02-27T10:00:00.000Z',
      '2026-03-31T10:00:00.000Z',
      '2026-04-30T10:00:00.000Z',
      '2026-05-29T10:00:00.000Z',
    ]);
  });

  it('nW is the weekday nearest day n, without leaving the month', () => {
    // 15 Jan 2026 Thursday; 15 Feb and 15 Mar Sundays → Monday 16th; 15 Aug Saturday → Friday 14th.
    const fifteenth = between('cron(0 10 15W * ? *)', '2026-01-01T00:00:00Z', '2026-12-31T00:00:00Z');
    expect(fifteenth.slice(0, 3)).toEqual([
      '2026-01-15T10:00:00.000Z',
      '2026-02-16T10:00:00.000Z',
      '2026-03-16T10:00:00.000Z',
    ]);
    expect(fifteenth).toContain('2026-08-14T10:00:00.000Z');
    // 1 Aug 2026 is a Saturday: the nearest weekday inside August is Monday 3 August, not Friday 31 July.
    expect(next('cron(0 10 1W * ? *)', '2026-07-15T00:00:00Z')).toBe('2026-08-03T10:00:00.000Z');
    // 31W: only months with a 31st; 31 Jan (Sat) → 30th, 31 May (Sun, last day) → Friday 29th.
    expect(between('cron(0 12 31W * ? *)', '2026-01-01T00:00:00Z', '2026-09-01T00:00:00Z')).toEqual([
      '2026-01-30T12:00:00.000Z',
      '2026-03-31T12:00:00.000Z',
      '2026-05-29T12:00:00.000Z',
      '2026-07-31T12:00:00.000Z',
      '2026-08-31T12:00:00.000Z',
    ]);
  });

  it('nL in day-of-week is the last such weekday of the month (5L = last Thursday)', () => {
    expect(between('cron(0 10 ? * 5L *)', '2026-01-01T00:00:00Z', '2026-05-01T00:00:00Z')).toEqual([
      '2026-01-29T10:00:00.000Z',
      '2026-02-26T10:00:00.000Z',
      '2026-03-26T10:00:00.000Z',
      '2026-04-30T10:00:00.000Z',
    ]);
  });

  it('L alone in day-of-week is the last day of the week (Saturday)', () => {
    expect(between('cron(0 12 ? * L *)', '2026-03-02T00:00:00Z', '2026-03-15T00:00:00Z')).toEqual([
      '2026-03-07T12:00:00.000Z',
      '2026-03-14T12:00:00.000Z',
    ]);
  });

  it('d#n is the n-th such weekday (3#2 = second Tuesday) and skips months without it', () => {
    expect(between('cron(0 10 ? * 3#2 *)', '2026-01-01T00:00:00Z', '2026-03-31T00:00:00Z')).toEqual([
      '2026-01-13T10:00:00.000Z',
      '2026-02-10T10:00:00.000Z',
      '2026-03-10T10:00:00.000Z',
    ]);
    // Fifth Monday: only March (30th) and June (29th) in the first half of 2026.
    expect(between('cron(0 10 ? * MON#5 *)', '2026-01-01T00:00:00Z', '2026-07-01T00:00:00Z')).toEqual([
      '2026-03-30T10:00:00.000Z',
      '2026-06-29T10:00:00.000Z',
    ]);
  });

  it('days past the end of a month never match', () => {
    expect(between('cron(0 0 31 * ? *)', '2026-01-01T00:00:00Z', '2026-06-01T00:00:00Z')).toEqual([
      '2026-01-31T00:00:00.000Z',
      '2026-03-31T00:00:00.000Z',
      '2026-05-31T00:00:00.000Z',
    ]);
    expect(next('cron(0 0 30 2 ? *)', '2026-01-01T00:00:00Z')).toBe('none');
  });
});

describe('cron: leap years and efficiency', () => {
  it('cron(0 0 29 2 ? *) fires only on 29 February, skipping 2100', () => {
    expect(next('cron(0 0 29 2 ? *)', '2025-03-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
    expect(next('cron(0 0 29 2 ? *)', '2024-02-29T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
    expect(next('cron(0 0 29 2 ? *)', '2096-03-01T00:00:00Z')).toBe('2104-02-29T00:00:00.000Z');
    expect(next('cron(0 0 29 2 ? *)', '2196-03-01T00:00:00Z')).toBe('none');
  });

  it('steps by field instead of by minute', () => {
    const leap = parse('cron(0 0 29 2 ? *)');
    const never = parse('cron(0 0 30 2 ? *)'); // worst case: scans every year up to 2199
    const started = performance.now();
    for (let i = 0; i < 200; i++) {
      nextFireTime(leap, { after: new Date(Date.UTC(1970 + i, i % 12, 1 + (i % 28))) });
      nextFireTime(leap, { after: new Date(Date.UTC(2000 + (i % 100), 5, 1)), timezone: 'Europe/Berlin' });
    }
    expect(nextFireTime(never, { after: new Date('1970-01-01T00:00:00Z') })).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('returns nothing past year 2199', () => {
    expect(next('cron(0 0 * * ? *)', '2199-12-31T00:00:00Z')).toBe('none');
    expect(next('cron(0 0 * * ? *)', '2199-12-30T12:00:00Z')).toBe('2199-12-31T00:00:00.000Z');
  });
});

describe('cron: time zones and daylight saving time', () => {
  it('evaluates in the given time zone (Asia/Kolkata, +05:30)', () => {
    expect(next('cron(0 9 * * ? *)', '2026-03-10T00:00:00Z', { timezone: 'Asia/Kolkata' })).toBe(
      '2026-03-10T03:30:00.000Z',
    );
  });

  it('defaults to UTC', () => {
    expect(next('cron(0 9 * * ? *)', '2026-03-10T00:00:00Z')).toBe('2026-03-10T09:00:00.000Z');
  });

  it('Europe/Berlin spring forward: 02:30 does not exist on 29 March 2026 and is skipped', () => {
    expect(
      between('cron(30 2 * * ? *)', '2026-03-27T00:00:00Z', '2026-03-31T00:00:00Z', {
        timezone: 'Europe/Berlin',
      }),
    ).toEqual([
      '2026-03-27T01:30:00.000Z', // 02:30 CET
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      // 29 March: 02:00-02:59 does not exist.
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
    ]);
    // A schedule that only fires inside the gap skips the whole hour.
    expect(next('cron(* 2 * * ? *)', '2026-03-29T00:00:00Z', { timezone: 'Europe/Berlin' })).toBe(
      '2026-03-30T00:00:00.000Z',
    );
  });

  it('Europe/Berlin spring forward: every-minute schedules lose no instant', () => {
    expect(
      between('cron(* * * * ? *)', '2026-03-29T00:58:00Z', '2026-03-29T01:02:00Z', {
        timezone: 'Europe/Berlin',
      }),
    ).toEqual([
      '2026-03-29T00:59:00.000Z', // 01:59 CET
      '2026-03-29T01:00:00.000Z', // 03:00 CEST
      '2026-03-29T01:01:00.000Z',
      '2026-03-29T01:02:00.000Z',
    ]);
  });

  it('Europe/Berlin fall back: 02:30 occurs twice on 25 October 2026 and fires once, the first time', () => {
    expect(
      between('cron(30 2 * * ? *)', '2026-10-23T00:00:00Z', '2026-10-27T00:00:00Z', {
        timezone: 'Europe/Berlin',
      }),
    ).toEqual([
      '2026-10-23T00:30:00.000Z', // 02:30 CEST
      '2026-10-24T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T00:30:00.000Z', // 02:30 CEST, first occurrence; 01:30Z (02:30 CET) is not repeated
      '2026-10-26T01:30:00.000Z', // 02:30 CET
    ]);
    expect(
      between('cron(0/30 2 * * ? *)', '2026-10-24T23:00:00Z', '2026-10-26T02:00:00Z', {
        timezone: 'Europe/Berlin',
      }),
    ).toEqual([
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:00:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
  });

  it('Europe/Berlin fall back: `after` inside the repeated hour does not fire the repeat', () => {
    // 01:15Z on 25 October is 02:15 CET, the second pass; 02:30 already fired at 00:30Z.
    expect(next('cron(30 2 * * ? *)', '2026-10-25T01:15:00Z', { timezone: 'Europe/Berlin' })).toBe(
      '2026-10-26T01:30:00.000Z',
    );
  });

  it('America/New_York spring forward on 8 March 2026 skips 02:30 and shifts the UTC time of 09:00', () => {
    expect(
      between('cron(30 2 * * ? *)', '2026-03-07T00:00:00Z', '2026-03-10T00:00:00Z', {
        timezone: 'America/New_York',
      }),
    ).toEqual(['2026-03-07T07:30:00.000Z', '2026-03-09T06:30:00.000Z']);
    expect(
      between('cron(0 9 ? * MON-FRI *)', '2026-03-06T00:00:00Z', '2026-03-10T00:00:00Z', {
        timezone: 'America/New_York',
      }),
    ).toEqual(['2026-03-06T14:00:00.000Z', '2026-03-09T13:00:00.000Z']);
  });

  it('America/New_York fall back on 1 November 2026 fires 01:30 once', () => {
    expect(
      between('cron(30 1 * * ? *)', '2026-10-31T00:00:00Z', '2026-11-03T00:00:00Z', {
        timezone: 'America/New_York',
      }),
    ).toEqual([
      '2026-10-31T05:30:00.000Z', // 01:30 EDT
      '2026-11-01T05:30:00.000Z', // 01:30 EDT; 06:30Z (01:30 EST) is the repeat and does not fire
      '2026-11-02T06:30:00.000Z', // 01:30 EST
    ]);
    // Every 30 minutes: the repeated 01:00-01:59 hour is silent, the next run is 02:00 EST.
    expect(
      between('cron(0/30 * * * ? *)', '2026-11-01T04:00:00Z', '2026-11-01T07:30:00Z', {
        timezone: 'America/New_York',
      }),
    ).toEqual([
      '2026-11-01T04:30:00.000Z', // 00:30 EDT
      '2026-11-01T05:00:00.000Z', // 01:00 EDT
      '2026-11-01T05:30:00.000Z', // 01:30 EDT
      '2026-11-01T07:00:00.000Z', // 02:00 EST
      '2026-11-01T07:30:00.000Z', // 02:30 EST
    ]);
  });

  it('rejects unknown time zones', () => {
    expect(() =>
      nextFireTime(parse('cron(0 9 * * ? *)'), { after: new Date(), timezone: 'Mars/Olympus' }),
    ).toThrow(RangeError);
  });
});

describe('cron: start and end windows', () => {
  it('start and end are inclusive', () => {
    const opts = { start: '2026-03-12T10:00:00Z', end: '2026-03-13T10:00:00Z' };
    expect(next('cron(0 10 * * ? *)', '2026-03-01T00:00:00Z', opts)).toBe('2026-03-12T10:00:00.000Z');
    expect(between('cron(0 10 * * ? *)', '2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z', opts)).toEqual([
      '2026-03-12T10:00:00.000Z',
      '2026-03-13T10:00:00.000Z',
    ]);
    expect(next('cron(0 10 * * ? *)', '2026-03-13T10:00:00Z', opts)).toBe('none');
  });

  it('a start just after a fire time moves to the next one', () => {
    expect(next('cron(0 10 * * ? *)', '2026-03-01T00:00:00Z', { start: '2026-03-12T10:00:00.001Z' })).toBe(
      '2026-03-13T10:00:00.000Z',
    );
  });

  it('returns nothing once end has passed', () => {
    expect(next('cron(0 10 * * ? *)', '2026-03-20T00:00:00Z', { end: '2026-03-15T00:00:00Z' })).toBe('none');
  });
});

describe('rate', () => {
  it('without start, is anchored at the Unix epoch', () => {
    expect(next('rate(5 minutes)', '2026-03-10T10:07:30Z')).toBe('2026-03-10T10:10:00.000Z');
    expect(next('rate(5 minutes)', '2026-03-10T10:10:00Z')).toBe('2026-03-10T10:15:00.000Z');
    // 1 January 1970 was a Thursday, so rate(7 days) lands on Thursdays at midnight UTC.
    expect(next('rate(7 days)', '2026-03-10T00:00:00Z')).toBe('2026-03-12T00:00:00.000Z');
  });

  it('with start, fires first at start and then every period', () => {
    const start = '2026-03-10T10:20:00Z';
    expect(next('rate(1 hour)', '2026-03-01T00:00:00Z', { start })).toBe('2026-03-10T10:20:00.000Z');
    expect(next('rate(1 hour)', '2026-03-10T10:20:00Z', { start })).toBe('2026-03-10T11:20:00.000Z');
    expect(next('rate(1 hour)', '2026-03-10T12:59:00Z', { start })).toBe('2026-03-10T13:20:00.000Z');
  });

  it('respects end (inclusive) and fireTimesBetween bounds', () => {
    const opts = { start: '2026-03-10T10:00:00Z', end: '2026-03-10T14:00:00Z' };
    expect(between('rate(2 hours)', '2026-03-10T09:00:00Z', '2026-03-10T23:00:00Z', opts)).toEqual([
      '2026-03-10T10:00:00.000Z',
      '2026-03-10T12:00:00.000Z',
      '2026-03-10T14:00:00.000Z',
    ]);
    expect(next('rate(2 hours)', '2026-03-10T14:00:00Z', opts)).toBe('none');
  });

  it('counts days as 24-hour durations, ignoring daylight saving time', () => {
    // 11:00Z is 12:00 CET; after the 29 March switch the same instants read 13:00 CEST.
    expect(
      between('rate(1 day)', '2026-03-28T00:00:00Z', '2026-03-31T00:00:00Z', {
        start: '2026-03-28T11:00:00Z',
        timezone: 'Europe/Berlin',
      }),
    ).toEqual(['2026-03-28T11:00:00.000Z', '2026-03-29T11:00:00.000Z', '2026-03-30T11:00:00.000Z']);
  });

  it('caps results with limit (default 1000)', () => {
    expect(between('rate(1 minute)', '2026-03-10T00:00:00Z', '2026-03-11T00:00:00Z')).toHaveLength(1000);
    expect(between('rate(1 minute)', '2026-03-10T00:00:00Z', '2026-03-11T00:00:00Z', { limit: 3 })).toEqual([
      '2026-03-10T00:01:00.000Z',
      '2026-03-10T00:02:00.000Z',
      '2026-03-10T00:03:00.000Z',
    ]);
    expect(between('rate(1 minute)', '2026-03-10T00:00:00Z', '2026-03-11T00:00:00Z', { limit: 0 })).toEqual(
      [],
    );
  });
});

describe('at', () => {
  it('fires once at the local time in the schedule time zone', () => {
    const tz = { timezone: 'America/New_York' };
    expect(next('at(2026-06-01T09:00:00)', '2026-01-01T00:00:00Z', tz)).toBe('2026-06-01T13:00:00.000Z');
    expect(next('at(2026-06-01T09:00:00)', '2026-06-01T13:00:00Z', tz)).toBe('none');
    expect(next('at(2026-06-01T09:00:00)', '2026-07-01T00:00:00Z', tz)).toBe('none');
    expect(next('at(2026-01-15T09:30:15)', '2026-01-01T00:00:00Z', { timezone: 'Europe/Berlin' })).toBe(
      '2026-01-15T08:30:15.000Z',
    );
    expect(next('at(2026-01-15T09:30:15)', '2026-01-01T00:00:00Z')).toBe('2026-01-15T09:30:15.000Z');
  });

  it('a time in a spring-forward gap fires at the shifted time; an ambiguous one fires first', () => {
    const tz = { timezone: 'Europe/Berlin' };
    // 02:30 does not exist on 29 March 2026: read with the CET offset, it is 01:30Z (03:30 CEST).
    expect(next('at(2026-03-29T02:30:00)', '2026-01-01T00:00:00Z', tz)).toBe('2026-03-29T01:30:00.000Z');
    // 02:30 happens twice on 25 October 2026: the first time is 00:30Z (CEST).
    expect(next('at(2026-10-25T02:30:00)', '2026-01-01T00:00:00Z', tz)).toBe('2026-10-25T00:30:00.000Z');
  });

  it('ignores start and end, as Scheduler does for one-time schedules', () => {
    expect(
      next('at(2026-06-01T09:00:00)', '2026-01-01T00:00:00Z', {
        start: '2026-07-01T00:00:00Z',
        end: '2026-02-01T00:00:00Z',
      }),
    ).toBe('2026-06-01T09:00:00.000Z');
  });

  it('appears once in fireTimesBetween when inside the range', () => {
    expect(between('at(2026-06-01T09:00:00)', '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z')).toEqual([
      '2026-06-01T09:00:00.000Z',
    ]);
    expect(between('at(2026-06-01T09:00:00)', '2026-01-01T00:00:00Z', '2026-06-01T08:59:59Z')).toEqual([]);
  });
});

describe('isValidTimeZone', () => {
  it('accepts IANA names and rejects anything else', () => {
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('America/New_York')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
    expect(isValidTimeZone('+01:00')).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Property tests against a deliberately naive reference: scan minute by minute and test each candidate.
// ---------------------------------------------------------------------------------------------------------

const MINUTE = 60_000;

const referenceFormatters = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock fields of `instant`: UTC via Date getters, other zones via a plain Intl formatter. */
function wallParts(instant: number, timeZone: string) {
  if (timeZone === 'UTC') {
    const date = new Date(instant);
    const [year, month, day] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    const [hour, minute] = [date.getUTCHours(), date.getUTCMinutes()];
    return { year, month, day, hour, minute, key: String(instant) };
  }
  let formatter = referenceFormatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    referenceFormatters.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(new Date(instant));
  const value = (type: string) => parts.find((part) => part.type === type)?.value ?? '';
  return {
    year: Number(value('year')),
    month: Number(value('month')),
    day: Number(value('day')),
    hour: Number(value('hour')),
    minute: Number(value('minute')),
    key: `${value('year')}-${value('month')}-${value('day')} ${value('hour')}:${value('minute')}`,
  };
}

function naiveDayMatches(expr: CronScheduleExpression, year: number, month: number, day: number): boolean {
  const dim = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const dow = (d: number) => new Date(Date.UTC(year, month - 1, d)).getUTCDay() + 1;
  const isWeekday = (d: number) => dow(d) >= 2 && dow(d) <= 6;
  const spec = expr.dayOfMonth.kind === 'any' ? expr.dayOfWeek : expr.dayOfMonth;
  switch (spec.kind) {
    case 'any':
      return false;
    case 'days':
      return expr.dayOfMonth.kind === 'any' ? spec.days.includes(dow(day)) : spec.days.includes(day);
    case 'last':
      return 'day' in spec ? dow(day) === spec.day && day + 7 > dim : day === dim;
    case 'lastWeekday': {
      let d = dim;
      while (!isWeekday(d)) d--;
      return day === d;
    }
    case 'nearestWeekday': {
      if (spec.day > dim) return false;
      // The closest weekday within the month; on a tie (never happens for a weekend day) the earlier.
      const candidates = [spec.day, spec.day - 1, spec.day + 1, spec.day - 2, spec.day + 2].filter(
        (d) => d >= 1 && d <= dim && isWeekday(d),
      );
      return candidates[0] === day;
    }
    case 'nth':
      return dow(day) === spec.day && Math.ceil(day / 7) === spec.nth;
  }
}

function naiveNext(expr: CronScheduleExpression, after: number, timeZone: string, horizonDays: number) {
  const seen = new Set<string>();
  // Wall times seen in the hour before `after` count as fired already (fall-back repeats).
  const firstMinute = Math.floor(after / MINUTE) * MINUTE + MINUTE;
  for (let t = firstMinute - 120 * MINUTE; t < firstMinute; t += MINUTE) seen.add(wallParts(t, timeZone).key);
  for (let t = firstMinute; t < after + horizonDays * 86_400_000; t += MINUTE) {
    const w = wallParts(t, timeZone);
    const repeat = seen.has(w.key);
    seen.add(w.key);
    if (repeat) continue;
    if (
      expr.years.includes(w.year) &&
      expr.months.includes(w.month) &&
      expr.hours.includes(w.hour) &&
      expr.minutes.includes(w.minute) &&
      naiveDayMatches(expr, w.year, w.month, w.day)
    ) {
      return t;
    }
  }
  return undefined;
}

describe('property: nextFireTime agrees with a minute-by-minute scan', () => {
  const list = (min: number, max: number) =>
    fc
      .uniqueArray(fc.integer({ min, max }), { minLength: 1, maxLength: 3 })
      .map((values) => values.join(','));
  // [day-of-month, day-of-week]
  const dayFields: fc.Arbitrary<[string, string]> = fc.oneof(
    list(1, 31).map((dom): [string, string] => [dom, '?']),
    fc.constantFrom<[string, string]>(['L', '?'], ['LW', '?'], ['*', '?'], ['?', '*']),
    fc.integer({ min: 1, max: 31 }).map((d): [string, string] => [`${d}W`, '?']),
    list(1, 7).map((dow): [string, string] => ['?', dow]),
    fc.integer({ min: 1, max: 7 }).map((d): [string, string] => ['?', `${d}L`]),
    fc
      .tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 5 }))
      .map(([d, n]): [string, string] => ['?', `${d}#${n}`]),
  );
  const cronExpr = fc
    .tuple(list(0, 59), fc.oneof(list(0, 23), fc.constant('*')), dayFields)
    .map(([minutes, hours, [dom, dow]]) => `cron(${minutes} ${hours} ${dom} * ${dow} *)`);

  it('in UTC, for all kinds of day fields', () => {
    fc.assert(
      fc.property(
        cronExpr,
        fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2027, 0, 1) }),
        (source, after) => {
          const expr = parse(source) as CronScheduleExpression;
          const actual = nextFireTime(expr, { after: new Date(after) })?.getTime();
          // Scan up to 70 days; every generated schedule fires at least every other month except d#5 / 31.
          const expected = naiveNext(expr, after, 'UTC', 70);
          if (expected === undefined)
            expect(actual === undefined || actual > after + 69 * 86_400_000).toBe(true);
          else expect(actual).toBe(expected);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('across DST transitions in Europe/Berlin and America/New_York', () => {
    const transitions = [
      ['Europe/Berlin', Date.UTC(2026, 2, 29, 1)],
      ['Europe/Berlin', Date.UTC(2026, 9, 25, 1)],
      ['America/New_York', Date.UTC(2026, 2, 8, 7)],
      ['America/New_York', Date.UTC(2026, 10, 1, 6)],
    ] as const;
    const hourly = fc
      .tuple(list(0, 59), fc.oneof(list(0, 4), fc.constant('*')))
      .map(([minutes, hours]) => `cron(${minutes} ${hours} * * ? *)`);
    fc.assert(
      fc.property(
        hourly,
        fc.constantFrom(...transitions),
        fc.integer({ min: -6 * 60, max: 3 * 60 }),
        (source, [timeZone, transition], offsetMinutes) => {
          const expr = parse(source) as CronScheduleExpression;
          const after = transition + offsetMinutes * MINUTE + 17_000;
          const actual = nextFireTime(expr, { after: new Date(after), timezone: timeZone })?.getTime();
          expect(actual).toBe(naiveNext(expr, after, timeZone, 2));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('fireTimesBetween equals chained nextFireTime', () => {
    const expr: ScheduleExpression = parse('cron(0/20 1-3 * * ? *)');
    const options = { timezone: 'America/New_York' };
    const all = fireTimesBetween(expr, {
      ...options,
      from: new Date('2026-10-31T00:00:00Z'),
      to: new Date('2026-11-03T00:00:00Z'),
    });
    const chained: Date[] = [];
    let cursor = new Date('2026-10-31T00:00:00Z');
    for (;;) {
      const n = nextFireTime(expr, { ...options, after: cursor, end: new Date('2026-11-03T00:00:00Z') });
      if (n === undefined) break;
      chained.push(n);
      cursor = n;
    }
    expect(all).toEqual(chained);
    // 3 days × 3 hours × 3 runs: the repeated 01:xx hour on 1 November adds nothing.
    expect(all).toHaveLength(27);
  });
});
