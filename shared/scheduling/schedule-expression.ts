/**
 * Schedule-expression maths with Amazon EventBridge Scheduler semantics.
 *
 * Supported expressions (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html):
 *   - `cron(minutes hours day-of-month month day-of-week year)`, see the EventBridge cron reference
 *     (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html);
 *   - `rate(value unit)`, unit `minute|minutes|hour|hours|day|days` (singular iff value is 1);
 *   - `at(yyyy-mm-ddThh:mm:ss)`, a one-time schedule in the schedule's time zone.
 *
 * Time-zone maths uses only `Intl.DateTimeFormat`. Everything here is pure: no I/O, no clock reads.
 *
 * Daylight saving time, as documented by AWS for Scheduler ("EventBridge Scheduler automatically adjusts
 * your schedule for daylight saving time"):
 *   - spring forward: a cron fire time whose wall-clock time does not exist is skipped (not shifted);
 *   - fall back: a cron wall-clock time that occurs twice fires only once, at its first (earlier, still
 *     daylight-time) occurrence. Consequently a frequent cron such as `cron(0/15 * * * ? *)` is silent
 *     during the repeated hour: every wall-clock time in it has already fired once.
 *   - rate expressions are durations ("days represents a 24-hour duration"), so they ignore time zones.
 */

import { isValidTimeZone, offsetAt, toWall, wallToInstants } from './zoned-time.ts';

export class InvalidScheduleExpressionError extends Error {
  readonly code = 'INVALID_SCHEDULE_EXPRESSION';
  /** 0-based character offset into the expression where the fault is. */
  readonly position: number;
  readonly expression: string;

  constructor(expression: string, position: number, reason: string) {
    super(`Invalid schedule expression '${expression}' at position ${position}: ${reason}`);
    this.name = 'InvalidScheduleExpressionError';
    this.expression = expression;
    this.position = position;
  }
}

/** Day-of-month field. `any` is `?`. */
export type DayOfMonthSpec =
  | { kind: 'any' }
  | { kind: 'days'; days: readonly number[] }
  | { kind: 'last' }
  | { kind: 'lastWeekday' }
  | { kind: 'nearestWeekday'; day: number };

/** Day-of-week field, 1 = SUN … 7 = SAT. `any` is `?`; a plain `L` is `days: [7]` (last day of the week). */
export type DayOfWeekSpec =
  | { kind: 'any' }
  | { kind: 'days'; days: readonly number[] }
  | { kind: 'last'; day: number }
  | { kind: 'nth'; day: number; nth: number };

export interface CronScheduleExpression {
  kind: 'cron';
  source: string;
  /** Sorted ascending, 0-59. */
  minutes: readonly number[];
  /** Sorted ascending, 0-23. */
  hours: readonly number[];
  dayOfMonth: DayOfMonthSpec;
  /** Sorted ascending, 1-12. */
  months: readonly number[];
  dayOfWeek: DayOfWeekSpec;
  /** Sorted ascending, 1970-2199. */
  years: readonly number[];
}

export interface RateScheduleExpression {
  kind: 'rate';
  source: string;
  value: number;
  unit: 'minutes' | 'hours' | 'days';
}

export interface AtScheduleExpression {
  kind: 'at';
  source: string;
  /** `yyyy-mm-ddThh:mm:ss`, local to the schedule's time zone. */
  at: string;
}

export type ScheduleExpression = CronScheduleExpression | RateScheduleExpression | AtScheduleExpression;

export interface NextFireTimeOptions {
  after: Date;
  /** IANA time zone name; defaults to 'UTC'. */
  timezone?: string;
  start?: Date;
  end?: Date;
}

export interface FireTimesBetweenOptions {
  from: Date;
  to: Date;
  timezone?: string;
  start?: Date;
  end?: Date;
  /** Maximum number of fire times returned; defaults to 1000. */
  limit?: number;
}

const MINUTE_MS = 60_000;
const UNIT_MS = { minutes: MINUTE_MS, hours: 60 * MINUTE_MS, days: 24 * 60 * MINUTE_MS } as const;
const MIN_YEAR = 1970;
const MAX_YEAR = 2199;
const DEFAULT_LIMIT = 1000;

// ---------------------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------------------

export function parseScheduleExpression(expression: string): ScheduleExpression {
  if (typeof expression !== 'string') {
    throw new InvalidScheduleExpressionError(String(expression), 0, 'expression must be a string');
  }
  const open = expression.indexOf('(');
  const keyword = open === -1 ? expression : expression.slice(0, open);
  if (keyword !== 'cron' && keyword !== 'rate' && keyword !== 'at') {
    throw new InvalidScheduleExpressionError(expression, 0, "expected 'cron(...)', 'rate(...)' or 'at(...)'");
  }
  if (open === -1) {
    throw new InvalidScheduleExpressionError(
      expression,
      expression.length,
      `expected '(' after '${keyword}'`,
    );
  }
  const close = expression.indexOf(')', open + 1);
  if (close === -1) {
    throw new InvalidScheduleExpressionError(expression, expression.length, "missing closing ')'");
  }
  if (close !== expression.length - 1) {
    throw new InvalidScheduleExpressionError(expression, close + 1, "unexpected text after ')'");
  }
  const body = expression.slice(open + 1, close);
  const offset = open + 1;
  if (keyword === 'cron') return parseCron(expression, body, offset);
  if (keyword === 'rate') return parseRate(expression, body, offset);
  return parseAt(expression, body, offset);
}

interface Token {
  text: string;
  position: number;
}

function splitWords(body: string, offset: number): Token[] {
  const tokens: Token[] = [];
  const re = /\S+/g;
  for (let m = re.exec(body); m !== null; m = re.exec(body)) {
    tokens.push({ text: m[0], position: offset + m.index });
  }
  return tokens;
}

// ---- rate -------------------------------------------------------------------------------------------------

const RATE_UNITS: Record<string, { unit: RateScheduleExpression['unit']; singular: boolean }> = {
  minute: { unit: 'minutes', singular: true },
  minutes: { unit: 'minutes', singular: false },
  hour: { unit: 'hours', singular: true },
  hours: { unit: 'hours', singular: false },
  day: { unit: 'days', singular: true },
  days: { unit: 'days', singular: false },
};

function parseRate(expression: string, body: string, offset: number): RateScheduleExpression {
  const words = splitWords(body, offset);
  const [valueToken, unitToken, extra] = words;
  if (valueToken === undefined) {
    throw new InvalidScheduleExpressionError(expression, offset, 'expected rate(value unit)');
  }
  if (!/^\d+$/.test(valueToken.text)) {
    throw new InvalidScheduleExpressionError(
      expression,
      valueToken.position,
      `rate value '${valueToken.text}' must be a positive integer`,
    );
  }
  const value = Number(valueToken.text);
  if (value < 1 || !Number.isSafeInteger(value)) {
    throw new InvalidScheduleExpressionError(
      expression,
      valueToken.position,
      `rate value '${valueToken.text}' must be a positive integer`,
    );
  }
  if (unitToken === undefined) {
    throw new InvalidScheduleExpressionError(
      expression,
      offset + body.length,
      'expected a unit: minute(s), hour(s) or day(s)',
    );
  }
  const unit = RATE_UNITS[unitToken.text];
  if (unit === undefined) {
    throw new InvalidScheduleExpressionError(
      expression,
      unitToken.position,
      `unknown rate unit '${unitToken.text}'; expected minute(s), hour(s) or day(s)`,
    );
  }
  if (unit.singular !== (value === 1)) {
    throw new InvalidScheduleExpressionError(
      expression,
      unitToken.position,
      value === 1
        ? `the unit must be singular when the value is 1 (e.g. rate(1 ${unit.unit.slice(0, -1)}))`
        : `the unit must be plural when the value is greater than 1 (e.g. rate(${value} ${unit.unit}))`,
    );
  }
  if (extra !== undefined) {
    throw new InvalidScheduleExpressionError(expression, extra.position, 'rate takes exactly two fields');
  }
  if (value * UNIT_MS[unit.unit] > Number.MAX_SAFE_INTEGER) {
    throw new InvalidScheduleExpressionError(expression, valueToken.position, 'rate value is too large');
  }
  return { kind: 'rate', source: expression, value, unit: unit.unit };
}

// ---- at ---------------------------------------------------------------------------------------------------

const AT_TEMPLATE = 'dddd-dd-ddTdd:dd:dd';

function parseAt(expression: string, body: string, offset: number): AtScheduleExpression {
  for (let i = 0; i < AT_TEMPLATE.length; i++) {
    const expected = AT_TEMPLATE[i];
    const actual = body[i];
    const ok =
      actual !== undefined && (expected === 'd' ? actual >= '0' && actual <= '9' : actual === expected);
    if (!ok) {
      throw new InvalidScheduleExpressionError(
        expression,
        offset + i,
        `expected at(yyyy-mm-ddThh:mm:ss); ${expected === 'd' ? 'a digit' : `'${expected}'`} goes here`,
      );
    }
  }
  if (body.length !== AT_TEMPLATE.length) {
    throw new InvalidScheduleExpressionError(
      expression,
      offset + AT_TEMPLATE.length,
      'expected at(yyyy-mm-ddThh:mm:ss)',
    );
  }
  const num = (from: number, to: number): number => Number(body.slice(from, to));
  const year = num(0, 4);
  const month = num(5, 7);
  const day = num(8, 10);
  const hour = num(11, 13);
  const minute = num(14, 16);
  const second = num(17, 19);
  const check = (ok: boolean, at: number, reason: string): void => {
    if (!ok) throw new InvalidScheduleExpressionError(expression, offset + at, reason);
  };
  // Not documented by AWS; instants before the Unix epoch make no sense for a new schedule.
  check(year >= MIN_YEAR, 0, `year ${year} is before ${MIN_YEAR}`);
  check(month >= 1 && month <= 12, 5, `month ${body.slice(5, 7)} is out of range (01-12)`);
  const dim = daysInMonth(year, month);
  check(
    day >= 1 && day <= dim,
    8,
    `day ${body.slice(8, 10)} is out of range for ${body.slice(0, 7)} (01-${dim})`,
  );
  check(hour <= 23, 11, `hour ${body.slice(11, 13)} is out of range (00-23)`);
  check(minute <= 59, 14, `minute ${body.slice(14, 16)} is out of range (00-59)`);
  check(second <= 59, 17, `second ${body.slice(17, 19)} is out of range (00-59)`);
  return { kind: 'at', source: expression, at: body };
}

// ---- cron -------------------------------------------------------------------------------------------------

interface FieldDef {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** Whether `a-b` with a > b wraps around the end of the field (e.g. hours `22-2`). */
  wraps: boolean;
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const MINUTES: FieldDef = { name: 'minutes', min: 0, max: 59, wraps: true };
const HOURS: FieldDef = { name: 'hours', min: 0, max: 23, wraps: true };
const DAY_OF_MONTH: FieldDef = { name: 'day-of-month', min: 1, max: 31, wraps: true };
const MONTH: FieldDef = { name: 'month', min: 1, max: 12, names: MONTH_NAMES, wraps: true };
const DAY_OF_WEEK: FieldDef = { name: 'day-of-week', min: 1, max: 7, names: DAY_NAMES, wraps: true };
const YEAR: FieldDef = { name: 'year', min: MIN_YEAR, max: MAX_YEAR, wraps: false };

function parseCron(expression: string, body: string, offset: number): CronScheduleExpression {
  const fields = splitWords(body, offset);
  if (fields.length !== 6) {
    const position = fields.length > 6 ? (fields[6]?.position ?? offset) : offset + body.length;
    throw new InvalidScheduleExpressionError(
      expression,
      position,
      `cron expressions need exactly 6 fields (minutes hours day-of-month month day-of-week year), ` +
        `got ${fields.length}`,
    );
  }
  const [minF, hourF, domF, monthF, dowF, yearF] = fields as [Token, Token, Token, Token, Token, Token];
  const fail = (position: number, reason: string): never => {
    throw new InvalidScheduleExpressionError(expression, position, reason);
  };

  const minutes = parseListField(minF, MINUTES, fail);
  const hours = parseListField(hourF, HOURS, fail);
  const dayOfMonth = parseDayOfMonth(domF, fail);
  const months = parseListField(monthF, MONTH, fail);
  const dayOfWeek = parseDayOfWeek(dowF, fail);
  const years = parseListField(yearF, YEAR, fail);

  const domAny = dayOfMonth.kind === 'any';
  const dowAny = dayOfWeek.kind === 'any';
  if (domAny && dowAny) {
    fail(dowF.position, "day-of-month and day-of-week cannot both be '?'; use '?' in exactly one of them");
  }
  if (!domAny && !dowAny) {
    fail(dowF.position, "one of day-of-month or day-of-week must be '?' (you cannot specify both)");
  }
  return { kind: 'cron', source: expression, minutes, hours, dayOfMonth, months, dayOfWeek, years };
}

type Fail = (position: number, reason: string) => never;

function invalidValue(token: Token, def: FieldDef, fail: Fail): never {
  const { text, position } = token;
  if (text === '') return fail(position, `missing ${def.name} value`);
  const question = text.indexOf('?');
  if (question !== -1) {
    return fail(position + question, "'?' is only allowed on its own, in day-of-month or day-of-week");
  }
  const hash = text.indexOf('#');
  if (hash !== -1) {
    return fail(
      position + hash,
      def === DAY_OF_WEEK
        ? "'#' must be the only expression in day-of-week (e.g. 3#2)"
        : `'#' is not allowed in the ${def.name} field`,
    );
  }
  const special =
    def === DAY_OF_MONTH ? /^(\d+W|LW?)$/i : def === DAY_OF_WEEK ? /^(\d+|[A-Z]{3})?L$/i : undefined;
  if (special?.test(text)) {
    return fail(
      position,
      `'${text}' must be the only expression in ${def.name}, not part of a list or range`,
    );
  }
  const hint = def.names ? ` (${def.min}-${def.max} or ${def.names[0]}-${def.names.at(-1)})` : '';
  return fail(position, `'${text}' is not a valid ${def.name} value${hint}`);
}

function parseValue(token: Token, def: FieldDef, fail: Fail): number {
  const { text, position } = token;
  let value: number;
  if (/^\d+$/.test(text)) {
    value = Number(text);
  } else {
    const index = def.names?.indexOf(text.toUpperCase()) ?? -1;
    if (index === -1) return invalidValue(token, def, fail);
    value = index + 1;
  }
  if (value < def.min || value > def.max) {
    fail(position, `${text} is out of range for ${def.name} (${def.min}-${def.max})`);
  }
  return value;
}

function parseListField(field: Token, def: FieldDef, fail: Fail): number[] {
  const values = new Set<number>();
  let cursor = 0;
  for (const part of field.text.split(',')) {
    const element: Token = { text: part, position: field.position + cursor };
    cursor += part.length + 1;
    for (const value of parseElement(element, def, fail)) values.add(value);
  }
  return [...values].sort((a, b) => a - b);
}

/** One list element: `*`, `v`, `a-b`, `*\/n`, `v/n` or `a-b/n`; `a-b` with a > b wraps (except years). */
function parseElement(element: Token, def: FieldDef, fail: Fail): number[] {
  const { text, position } = element;
  const slash = text.indexOf('/');
  const base = slash === -1 ? text : text.slice(0, slash);
  let step = 1;
  if (slash !== -1) {
    const stepText = text.slice(slash + 1);
    if (!/^\d+$/.test(stepText) || Number(stepText) < 1) {
      fail(position + slash + 1, `increment '${stepText}' in ${def.name} must be a positive integer`);
    }
    step = Number(stepText);
  }
  let from: number;
  let to: number;
  if (base === '*') {
    from = def.min;
    to = def.max;
  } else {
    const dash = base.indexOf('-');
    if (dash === -1) {
      from = parseValue({ text: base, position }, def, fail);
      // `v/n` runs from v to the end of the field; a plain value is just itself.
      to = slash === -1 ? from : def.max;
    } else {
      from = parseValue({ text: base.slice(0, dash), position }, def, fail);
      to = parseValue({ text: base.slice(dash + 1), position: position + dash + 1 }, def, fail);
      if (from > to && !def.wraps) fail(position, `range ${base} in ${def.name} is reversed`);
    }
  }
  const span = def.max - def.min + 1;
  const count = ((to - from + span) % span) + 1;
  const values: number[] = [];
  for (let i = 0; i < count; i += step) values.push(def.min + ((from - def.min + i) % span));
  return values;
}

function parseDayOfMonth(field: Token, fail: Fail): DayOfMonthSpec {
  const { text, position } = field;
  const upper = text.toUpperCase();
  if (text === '?') return { kind: 'any' };
  if (upper === 'L') return { kind: 'last' };
  if (upper === 'LW') return { kind: 'lastWeekday' };
  const w = /^(\d+)W$/i.exec(text);
  if (w) {
    const day = parseValue({ text: w[1] ?? '', position }, DAY_OF_MONTH, fail);
    return { kind: 'nearestWeekday', day };
  }
  return { kind: 'days', days: parseListField(field, DAY_OF_MONTH, fail) };
}

function parseDayOfWeek(field: Token, fail: Fail): DayOfWeekSpec {
  const { text, position } = field;
  if (text === '?') return { kind: 'any' };
  if (text.toUpperCase() === 'L') return { kind: 'days', days: [7] };
  const last = /^([A-Z]{3}|\d+)L$/i.exec(text);
  if (last) {
    return { kind: 'last', day: parseValue({ text: last[1] ?? '', position }, DAY_OF_WEEK, fail) };
  }
  const hash = text.indexOf('#');
  if (hash !== -1) {
    if (text.includes(',')) {
      fail(
        position + hash,
        "with '#' only one expression is allowed in day-of-week (e.g. 3#1,6#3 is invalid)",
      );
    }
    const day = parseValue({ text: text.slice(0, hash), position }, DAY_OF_WEEK, fail);
    const nthText = text.slice(hash + 1);
    if (!/^[1-5]$/.test(nthText)) {
      fail(position + hash + 1, `'${nthText}' after '#' must be 1-5 (the occurrence within the month)`);
    }
    return { kind: 'nth', day, nth: Number(nthText) };
  }
  if (text.includes('/')) {
    fail(position + text.indexOf('/'), "'/' is not allowed in the day-of-week field");
  }
  return { kind: 'days', days: parseListField(field, DAY_OF_WEEK, fail) };
}

// ---------------------------------------------------------------------------------------------------------
// Calendar helpers (proleptic Gregorian, on "wall-clock" milliseconds: the local time encoded as if UTC)
// ---------------------------------------------------------------------------------------------------------

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** 1 = SUN … 7 = SAT. */
function weekday(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

function firstAtLeast(sorted: readonly number[], value: number): number | undefined {
  for (const v of sorted) if (v >= value) return v;
  return undefined;
}

/** Days of `year`-`month` that match the day-of-month / day-of-week fields, ascending. */
function matchingDays(cron: CronScheduleExpression, year: number, month: number): number[] {
  const dim = daysInMonth(year, month);
  const dom = cron.dayOfMonth;
  const dow = cron.dayOfWeek;
  if (dom.kind !== 'any') {
    switch (dom.kind) {
      case 'days':
        return dom.days.filter((d) => d <= dim);
      case 'last':
        return [dim];
      case 'lastWeekday': {
        const wd = weekday(year, month, dim);
        return [wd === 7 ? dim - 1 : wd === 1 ? dim - 2 : dim];
      }
      case 'nearestWeekday': {
        // Quartz semantics: never leaves the month. A day that the month lacks (31W in April) never matches.
        const n = dom.day;
        if (n > dim) return [];
        const wd = weekday(year, month, n);
        if (wd === 7) return [n > 1 ? n - 1 : n + 2];
        if (wd === 1) return [n < dim ? n + 1 : n - 2];
        return [n];
      }
    }
  }
  switch (dow.kind) {
    case 'any':
      return [];
    case 'days': {
      const first = weekday(year, month, 1);
      const days: number[] = [];
      for (let d = 1; d <= dim; d++) {
        if (dow.days.includes(((first - 1 + d - 1) % 7) + 1)) days.push(d);
      }
      return days;
    }
    case 'last': {
      const wdLast = weekday(year, month, dim);
      return [dim - ((wdLast - dow.day + 7) % 7)];
    }
    case 'nth': {
      const first = weekday(year, month, 1);
      const day = 1 + ((dow.day - first + 7) % 7) + 7 * (dow.nth - 1);
      return day <= dim ? [day] : [];
    }
  }
}

/**
 * Smallest wall-clock minute >= `fromWall` matching the cron fields, or undefined after year 2199.
 * Steps field by field (year → month → day → hour → minute), so sparse schedules are cheap.
 */
function nextCronWall(cron: CronScheduleExpression, fromWall: number): number | undefined {
  const start = new Date(fromWall);
  let y = start.getUTCFullYear();
  let mo = start.getUTCMonth() + 1;
  let d = start.getUTCDate();
  let h = start.getUTCHours();
  let mi = start.getUTCMinutes();
  for (;;) {
    const yy = firstAtLeast(cron.years, y);
    if (yy === undefined) return undefined;
    if (yy !== y) [y, mo, d, h, mi] = [yy, 1, 1, 0, 0];
    const mm = firstAtLeast(cron.months, mo);
    if (mm === undefined) {
      [y, mo, d, h, mi] = [y + 1, 1, 1, 0, 0];
      continue;
    }
    if (mm !== mo) [mo, d, h, mi] = [mm, 1, 0, 0];
    const dd = firstAtLeast(matchingDays(cron, y, mo), d);
    if (dd === undefined) {
      [y, mo, d, h, mi] = mo === 12 ? [y + 1, 1, 1, 0, 0] : [y, mo + 1, 1, 0, 0];
      continue;
    }
    if (dd !== d) [d, h, mi] = [dd, 0, 0];
    const hh = firstAtLeast(cron.hours, h);
    if (hh === undefined) {
      [d, h, mi] = [d + 1, 0, 0];
      continue;
    }
    if (hh !== h) [h, mi] = [hh, 0];
    const mn = firstAtLeast(cron.minutes, mi);
    if (mn === undefined) {
      [h, mi] = [h + 1, 0];
      continue;
    }
    return Date.UTC(y, mo - 1, d, h, mn);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Time zones: shared/scheduling/zoned-time.ts
// ---------------------------------------------------------------------------------------------------------

export { isValidTimeZone };

// ---------------------------------------------------------------------------------------------------------
// Fire times
// ---------------------------------------------------------------------------------------------------------

function assertDate(value: Date | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new RangeError(`${name} must be a valid Date`);
  }
  return value.getTime();
}

function resolveTimeZone(timezone: string | undefined): string {
  const tz = timezone ?? 'UTC';
  if (!isValidTimeZone(tz)) throw new RangeError(`Invalid IANA time zone '${tz}'`);
  return tz;
}

/**
 * The instant of an `at()` expression. Undocumented by AWS, so: a time inside a spring-forward gap is
 * read with the offset in force before the gap (02:30 on a 02:00→03:00 night fires at 03:30), the way
 * JavaScript's Temporal "compatible" disambiguation does, so a one-time schedule is never silently lost;
 * an ambiguous fall-back time fires at its first occurrence, as cron does.
 */
function atInstant(at: string, timeZone: string): number {
  const wall = Date.UTC(
    Number(at.slice(0, 4)),
    Number(at.slice(5, 7)) - 1,
    Number(at.slice(8, 10)),
    Number(at.slice(11, 13)),
    Number(at.slice(14, 16)),
    Number(at.slice(17, 19)),
  );
  const instants = wallToInstants(wall, timeZone);
  const first = instants[0];
  if (first !== undefined) return first;
  return wall - offsetAt(wall - UNIT_MS.days, timeZone);
}

/**
 * First fire time strictly after `after`, within [start, end] (inclusive); undefined when there is none.
 *
 * - cron: evaluated in `timezone` (default UTC) with the DST rules described at the top of this file.
 * - rate: fire times are `anchor + k × period` (k ≥ 0). Scheduler counts from the schedule's StartDate if
 *   given, else from its creation time, which this pure function cannot know. So the anchor is `start`
 *   when given, otherwise the Unix epoch (1970-01-01T00:00:00Z): `rate(5 minutes)` then fires at :00, :05…,
 *   and results do not depend on `after`. To emulate "from creation", pass the creation time as `start`.
 * - at: the local time in `timezone`. Scheduler ignores StartDate and EndDate for one-time schedules
 *   (CreateSchedule API reference), and so does this function.
 */
export function nextFireTime(expr: ScheduleExpression, options: NextFireTimeOptions): Date | undefined {
  const after = assertDate(options.after, 'after');
  if (after === undefined) throw new RangeError('after is required');
  const start = assertDate(options.start, 'start');
  const end = assertDate(options.end, 'end');
  const timeZone = resolveTimeZone(options.timezone);
  const result = nextInstant(expr, after, timeZone, start, end);
  return result === undefined ? undefined : new Date(result);
}

function nextInstant(
  expr: ScheduleExpression,
  after: number,
  timeZone: string,
  start: number | undefined,
  end: number | undefined,
): number | undefined {
  switch (expr.kind) {
    case 'at': {
      const instant = atInstant(expr.at, timeZone);
      return instant > after ? instant : undefined;
    }
    case 'rate': {
      const period = expr.value * UNIT_MS[expr.unit];
      const anchor = start ?? 0;
      const k = Math.max(0, Math.floor((after - anchor) / period) + 1);
      const instant = anchor + k * period;
      return end !== undefined && instant > end ? undefined : instant;
    }
    case 'cron': {
      // Fire times are whole milliseconds, so "t >= start" is "t > start - 1".
      const lowerBound = start !== undefined && start - 1 > after ? start - 1 : after;
      let wall = toWall(lowerBound, timeZone);
      wall -= ((wall % MINUTE_MS) + MINUTE_MS) % MINUTE_MS;
      for (;;) {
        const match = nextCronWall(expr, wall);
        if (match === undefined) return undefined;
        // Spring-forward gap: no instant, skipped. Fall-back overlap: first occurrence only.
        const instant = wallToInstants(match, timeZone)[0];
        if (instant !== undefined && instant > lowerBound) {
          return end !== undefined && instant > end ? undefined : instant;
        }
        // Wall-clock order matches instant order once each wall time maps to its first occurrence,
        // so moving to the next wall-clock minute never misses an earlier fire time.
        wall = match + MINUTE_MS;
      }
    }
  }
}

/** Fire times t with from < t <= to (and within [start, end]), ascending, at most `limit` (default 1000). */
export function fireTimesBetween(expr: ScheduleExpression, options: FireTimesBetweenOptions): Date[] {
  const from = assertDate(options.from, 'from');
  const to = assertDate(options.to, 'to');
  if (from === undefined || to === undefined) throw new RangeError('from and to are required');
  const start = assertDate(options.start, 'start');
  const endOption = assertDate(options.end, 'end');
  const timeZone = resolveTimeZone(options.timezone);
  const limit = options.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError('limit must be a non-negative integer');
  const end = endOption === undefined ? to : Math.min(endOption, to);
  const result: Date[] = [];
  let cursor = from;
  while (result.length < limit) {
    const next = nextInstant(expr, cursor, timeZone, start, end);
    if (next === undefined || next > to) break;
    result.push(new Date(next));
    cursor = next;
  }
  return result;
}
