// Parameter templating for task configs: a small scanner over strings, never an evaluator (no
// eval, no Function, no regular expression run over user input).
//
// Syntax, inside any string of a JSON value (objects and arrays are walked; keys are left alone):
//   ${<date pattern>}     the data time, formatted in the context time zone. Tokens: yyyy (year),
//                         yy (two-digit year), MM (month), dd (day), HH (hour 00-23), mm (minute),
//                         ss (second), Java / DolphinScheduler style. Every other character is literal
//                         except ASCII letters that form no token and '{', which are INVALID_DATE_PATTERN:
//                         ${yyyy-MM-dd HH:mm:ss}, ${yyyyMMdd}, ${HH}.
//   ${<pattern><+|-><n><unit>}
//                         the data time moved before formatting: ${yyyyMMdd-1d}, ${yyyyMMddHH+3h},
//                         ${yyyyMM-1M}, ${yyyy-1y}, ${HHmm-30m}, ${yyyyMMdd-1w}. Units: y years, M months,
//                         w weeks, d days (calendar units move the wall-clock time in the zone, and a
//                         month end clamps: Mar 31 -1M is Feb 28/29); h or H hours, m minutes (these move
//                         the instant). The offset is the last [+-]<digits><unit> suffix of the expression;
//                         `yyyy-MM-dd` has no digits after its dashes, so it never reads as an offset. A
//                         sign and digits that end the expression without exactly one unit letter (`-1`,
//                         `-1x`), or an offset that leaves the years 1000-9999, is INVALID_OFFSET.
//   ${outputs.<taskId>.<key>[.<key>...]}
//                         an upstream task's output, nested keys walked one by one (a key made of digits
//                         also indexes an array).
//   [DYNAMIC_PARAMS.<Name>]
//                         a workflow parameter.
//   ${item} ${item.<key>[.<key>...]} ${itemIndex}
//                         in the body of a `foreach` task only: the iteration's item (keys walked as for
//                         outputs) and its 0-based index.
//   \${ and \[            a literal '${' or '['. Any other '$', '[' or '\' is literal as it stands.
// A string that is exactly one ${outputs...}, ${item...} or [DYNAMIC_PARAMS...] reference becomes the referenced value
// with its JSON type (number, object, ...); inside a longer string the value is stringified (objects and
// arrays as JSON). A date expression always yields a string.
import { type ErrorDetail, RondoError } from '../errors.ts';
import { shift } from '../scheduling/data-time.ts';
import { toWallTime, type WallTime } from '../scheduling/zoned-time.ts';

export type TemplateFaultCode =
  | 'UNKNOWN_PARAMETER'
  | 'UNKNOWN_OUTPUT'
  | 'UNKNOWN_ITEM'
  | 'INVALID_DATE_PATTERN'
  | 'INVALID_OFFSET'
  | 'UNCLOSED_TEMPLATE';

/** One or more templates of a value could not be rendered; `details` lists every fault with its path. */
export class TemplateError extends RondoError {
  constructor(details: ErrorDetail[]) {
    const first = details[0]?.message ?? 'unknown fault';
    const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
    super('TEMPLATE_ERROR', `Templates could not be rendered: ${first}${more}`, false, { details });
    this.name = 'TemplateError';
  }
}

export type TemplateContext = {
  dataTime: Date;
  timezone: string;
  parameters: Record<string, unknown>;
  outputs: Record<string, Record<string, unknown>>;
  /** In a for-each iteration: its item and index. */
  item?: { value: unknown; index: number };
};

type DateToken = 'yyyy' | 'yy' | 'MM' | 'dd' | 'HH' | 'mm' | 'ss';
type DateItem = { token: DateToken } | { literal: string };
type OffsetUnit = 'y' | 'M' | 'w' | 'd' | 'h' | 'm';
export type Offset = { amount: number; unit: OffsetUnit };

type Part =
  | { kind: 'text'; text: string }
  | { kind: 'date'; items: DateItem[]; offset: Offset | undefined; source: string }
  | { kind: 'output'; task: string; keys: string[]; source: string }
  | { kind: 'parameter'; name: string; source: string }
  | { kind: 'item'; keys: string[]; source: string }
  | { kind: 'itemIndex'; source: string };

type Fault = { message: string; code: TemplateFaultCode };

const PARAMETER_PREFIX = '[DYNAMIC_PARAMS.';
const OUTPUTS = 'outputs';
const ITEM = 'item';
const ITEM_INDEX = 'itemIndex';
// Longer tokens first, so `yyyy` is not read as two `yy`.
const DATE_TOKENS: readonly DateToken[] = ['yyyy', 'yy', 'MM', 'dd', 'HH', 'mm', 'ss'];
const OFFSET_UNITS: Readonly<Record<string, OffsetUnit>> = {
  y: 'y',
  M: 'M',
  w: 'w',
  d: 'd',
  h: 'h',
  H: 'h',
  m: 'm',
};
const MAX_OFFSET_DIGITS = 9;
const MIN_YEAR = 1000;
const MAX_YEAR = 9999;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

const isLetter = (ch: string): boolean => (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
const isDigit = (ch: string): boolean => ch >= '0' && ch <= '9';
const EXCERPT_LENGTH = 40;
const excerpt = (input: string, from: number): string =>
  input.length - from > EXCERPT_LENGTH ? `${input.slice(from, from + EXCERPT_LENGTH)}…` : input.slice(from);

/** Splits a string into literal text and references; syntax faults are collected, not thrown. */
function parseTemplate(input: string): { parts: Part[]; faults: Fault[] } {
  const parts: Part[] = [];
  const faults: Fault[] = [];
  let text = '';
  const flush = (): void => {
    if (text !== '') parts.push({ kind: 'text', text });
    text = '';
  };
  let i = 0;
  while (i < input.length) {
    if (input[i] === '\\' && input.startsWith('${', i + 1)) {
      text += '${';
      i += 3;
    } else if (input[i] === '\\' && input[i + 1] === '[') {
      text += '[';
      i += 2;
    } else if (input.startsWith('${', i)) {
      const close = input.indexOf('}', i + 2);
      if (close < 0) {
        faults.push({ code: 'UNCLOSED_TEMPLATE', message: `'${excerpt(input, i)}' has no closing '}'` });
        break;
      }
      flush();
      const part = parseExpression(input.slice(i + 2, close), faults);
      if (part !== undefined) parts.push(part);
      i = close + 1;
    } else if (input.startsWith(PARAMETER_PREFIX, i)) {
      const close = input.indexOf(']', i + PARAMETER_PREFIX.length);
      if (close < 0) {
        faults.push({ code: 'UNCLOSED_TEMPLATE', message: `'${excerpt(input, i)}' has no closing ']'` });
        break;
      }
      flush();
      const name = input.slice(i + PARAMETER_PREFIX.length, close);
      const source = input.slice(i, close + 1);
      if (name === '') faults.push({ code: 'UNKNOWN_PARAMETER', message: `'${source}' names no parameter` });
      else parts.push({ kind: 'parameter', name, source });
      i = close + 1;
    } else {
      text += input[i];
      i += 1;
    }
  }
  flush();
  return { parts, faults };
}

/** The inside of `${...}`: an output reference or a date pattern with an optional offset. */
function parseExpression(expression: string, faults: Fault[]): Part | undefined {
  const source = `\${${expression}}`;
  if (expression === ITEM_INDEX) return { kind: 'itemIndex', source };
  if (expression === ITEM || expression.startsWith(`${ITEM}.`)) {
    const keys = expression === ITEM ? [] : expression.slice(ITEM.length + 1).split('.');
    if (keys.includes('')) {
      faults.push({ code: 'UNKNOWN_ITEM', message: `'${source}' has an empty key: \${item.<key>}` });
      return undefined;
    }
    return { kind: 'item', keys, source };
  }
  if (expression === OUTPUTS || expression.startsWith(`${OUTPUTS}.`)) {
    const [task = '', ...keys] = expression.slice(OUTPUTS.length + 1).split('.');
    if (task === '' || keys.length === 0 || keys.includes('')) {
      faults.push({
        code: 'UNKNOWN_OUTPUT',
        message: `'${source}' must name a task and a key: \${outputs.<taskId>.<key>}`,
      });
      return undefined;
    }
    return { kind: 'output', task, keys, source };
  }
  const split = splitOffset(expression);
  if ('fault' in split) {
    faults.push({ code: 'INVALID_OFFSET', message: `'${source}': ${split.fault}` });
    return undefined;
  }
  const items = parseDatePattern(split.pattern);
  if (typeof items === 'string') {
    faults.push({ code: 'INVALID_DATE_PATTERN', message: `'${source}': ${items}` });
    return undefined;
  }
  return { kind: 'date', items, offset: split.offset, source };
}

/** Finds a trailing `[+-]<digits><unit>` by scanning backwards: letters, then digits, then a sign. */
function splitOffset(
  expression: string,
): { pattern: string; offset: Offset | undefined } | { fault: string } {
  let i = expression.length;
  while (i > 0 && isLetter(expression[i - 1]!)) i -= 1;
  const lettersStart = i;
  while (i > 0 && isDigit(expression[i - 1]!)) i -= 1;
  const digitsStart = i;
  const sign = expression[digitsStart - 1];
  if (digitsStart === lettersStart || (sign !== '+' && sign !== '-')) {
    return { pattern: expression, offset: undefined };
  }
  const digits = expression.slice(digitsStart, lettersStart);
  const unitText = expression.slice(lettersStart);
  const unit = unitText.length === 1 ? OFFSET_UNITS[unitText] : undefined;
  if (unit === undefined) {
    return {
      fault: `the offset '${sign}${digits}${unitText}' needs exactly one unit of y, M, w, d, h (or H), m`,
    };
  }
  if (digits.length > MAX_OFFSET_DIGITS)
    return { fault: `the offset '${sign}${digits}${unitText}' is too large` };
  const amount = Number(digits) * (sign === '-' ? -1 : 1);
  return { pattern: expression.slice(0, digitsStart - 1), offset: { amount, unit } };
}

/** Tokens and literal runs of a date pattern, or why the pattern is not one. */
function parseDatePattern(pattern: string): DateItem[] | string {
  if (pattern === '') return 'the date pattern is empty';
  const items: DateItem[] = [];
  let literal = '';
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i]!;
    if (ch === '{') return `'{' cannot appear in a date pattern (templates do not nest)`;
    if (!isLetter(ch)) {
      literal += ch;
      i += 1;
      continue;
    }
    const token = DATE_TOKENS.find((candidate) => pattern.startsWith(candidate, i));
    if (token === undefined) {
      return `'${ch}' at ${i} is not a date token (use yyyy, yy, MM, dd, HH, mm, ss)`;
    }
    if (literal !== '') items.push({ literal });
    literal = '';
    items.push({ token });
    i += token.length;
  }
  if (literal !== '') items.push({ literal });
  return items;
}

const inRange = (year: number): boolean => year >= MIN_YEAR && year <= MAX_YEAR;

/** The data time moved by `offset`, or undefined when the result leaves the supported years. */
function applyOffset(dataTime: Date, offset: Offset, timeZone: string): Date | undefined {
  const { amount, unit } = offset;
  if (amount === 0) return dataTime;
  if (unit === 'h' || unit === 'm') {
    const moved = new Date(dataTime.getTime() + amount * (unit === 'h' ? HOUR_MS : MINUTE_MS));
    return inRange(moved.getUTCFullYear()) ? moved : undefined;
  }
  const wall: WallTime = toWallTime(dataTime, timeZone);
  if (unit === 'y' || unit === 'M') {
    const months = unit === 'y' ? amount * 12 : amount;
    const year = Math.floor((wall.year * 12 + wall.month - 1 + months) / 12);
    return inRange(year) ? shift(wall, { month: months }, timeZone) : undefined;
  }
  const days = unit === 'w' ? amount * 7 : amount;
  const year = new Date(Date.UTC(wall.year, wall.month - 1, wall.day + days)).getUTCFullYear();
  return inRange(year) ? shift(wall, { day: days }, timeZone) : undefined;
}

function formatWall(items: DateItem[], wall: WallTime): string {
  const pad = (n: number, width: number): string => String(n).padStart(width, '0');
  let out = '';
  for (const item of items) {
    if ('literal' in item) {
      out += item.literal;
      continue;
    }
    switch (item.token) {
      case 'yyyy':
        out += pad(wall.year, 4);
        break;
      case 'yy':
        out += pad(wall.year % 100, 2);
        break;
      case 'MM':
        out += pad(wall.month, 2);
        break;
      case 'dd':
        out += pad(wall.day, 2);
        break;
      case 'HH':
        out += pad(wall.hour, 2);
        break;
      case 'mm':
        out += pad(wall.minute, 2);
        break;
      case 'ss':
        out += pad(wall.second, 2);
        break;
    }
  }
  return out;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

type Lookup = { found: true; value: unknown } | { found: false; message: string };

function lookupOutput(outputs: TemplateContext['outputs'], task: string, keys: string[]): Lookup {
  if (!Object.hasOwn(outputs, task)) return { found: false, message: `task '${task}' has no outputs` };
  let current: unknown = outputs[task];
  for (const [depth, key] of keys.entries()) {
    const index = Number(key);
    if (Array.isArray(current) && [...key].every(isDigit) && index < current.length) {
      current = current[index];
    } else if (isRecord(current) && Object.hasOwn(current, key)) {
      current = current[key];
    } else {
      current = undefined;
    }
    if (current === undefined) {
      const missing = [task, ...keys.slice(0, depth + 1)].join('.');
      return { found: false, message: `output '${missing}' does not exist` };
    }
  }
  return { found: true, value: current };
}

function lookupItem(
  item: TemplateContext['item'],
  part: { kind: 'item' | 'itemIndex'; keys?: string[] },
): Lookup {
  if (item === undefined) return { found: false, message: 'only the body of a foreach task has an item' };
  if (part.kind === 'itemIndex') return { found: true, value: item.index };
  let current: unknown = item.value;
  for (const [depth, key] of (part.keys ?? []).entries()) {
    current = childOf(current, key);
    if (current === undefined) {
      return {
        found: false,
        message: `the item has no '${(part.keys ?? []).slice(0, depth + 1).join('.')}'`,
      };
    }
  }
  return { found: true, value: current };
}

/** A key of an object, or an index (digits) of an array; undefined when absent. */
function childOf(value: unknown, key: string): unknown {
  if (Array.isArray(value) && [...key].every(isDigit)) return value[Number(key)];
  return isRecord(value) && Object.hasOwn(value, key) ? value[key] : undefined;
}

function lookupParameter(parameters: TemplateContext['parameters'], name: string): Lookup {
  const value = Object.hasOwn(parameters, name) ? parameters[name] : undefined;
  return value === undefined
    ? { found: false, message: `parameter '${name}' has no value` }
    : { found: true, value };
}

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

/** A copy of a JSON value, so a rendered config never shares objects with an output or a parameter. */
function copyJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyJson);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyJson(v)]));
  return value;
}

function renderString(input: string, context: TemplateContext, path: string, faults: ErrorDetail[]): unknown {
  const parsed = parseTemplate(input);
  for (const fault of parsed.faults) faults.push({ path, ...fault });
  // Parts that parsed are still resolved, so that every fault of the string is reported at once.
  const syntaxFaults = parsed.faults.length > 0;

  const resolve = (part: Exclude<Part, { kind: 'text' }>): { value: unknown } | undefined => {
    if (part.kind === 'date') {
      const moved =
        part.offset === undefined
          ? context.dataTime
          : applyOffset(context.dataTime, part.offset, context.timezone);
      if (moved === undefined) {
        faults.push({
          path,
          code: 'INVALID_OFFSET',
          message: `'${part.source}' moves the data time outside the years ${MIN_YEAR}-${MAX_YEAR}`,
        });
        return undefined;
      }
      return { value: formatWall(part.items, toWallTime(moved, context.timezone)) };
    }
    const lookup =
      part.kind === 'output'
        ? lookupOutput(context.outputs, part.task, part.keys)
        : part.kind === 'parameter'
          ? lookupParameter(context.parameters, part.name)
          : lookupItem(context.item, part);
    if (!lookup.found) {
      const code =
        part.kind === 'output'
          ? 'UNKNOWN_OUTPUT'
          : part.kind === 'parameter'
            ? 'UNKNOWN_PARAMETER'
            : 'UNKNOWN_ITEM';
      faults.push({ path, code, message: `'${part.source}': ${lookup.message}` });
      return undefined;
    }
    return { value: lookup.value };
  };

  const [only] = parsed.parts;
  if (
    !syntaxFaults &&
    parsed.parts.length === 1 &&
    only !== undefined &&
    only.kind !== 'text' &&
    only.kind !== 'date'
  ) {
    const resolved = resolve(only);
    return resolved === undefined ? input : copyJson(resolved.value);
  }
  let out = '';
  let failed = syntaxFaults;
  for (const part of parsed.parts) {
    if (part.kind === 'text') {
      out += part.text;
      continue;
    }
    const resolved = resolve(part);
    if (resolved === undefined) failed = true;
    else out += stringify(resolved.value);
  }
  return failed ? input : out;
}

const childPath = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

function walk(value: unknown, path: string, onString: (text: string, path: string) => unknown): unknown {
  if (typeof value === 'string') return onString(value, path);
  if (Array.isArray(value)) return value.map((item, i) => walk(item, `${path}[${i}]`, onString));
  if (isRecord(value)) {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, walk(item, childPath(path, key), onString)]),
    );
  }
  return value;
}

/**
 * Renders every template in a JSON value (strings inside objects and arrays) and returns a new value.
 * Collects all faults, then throws one TemplateError listing each with its path ('' for the root).
 */
export function renderTemplates<T>(value: T, context: TemplateContext): T {
  const faults: ErrorDetail[] = [];
  const rendered = walk(value, '', (text, path) => renderString(text, context, path, faults));
  if (faults.length > 0) throw new TemplateError(faults);
  return rendered as T;
}

/**
 * Static check of the templates in a value when a workflow is saved: syntax faults, parameters that are
 * not declared, outputs of tasks that do not exist. Output keys are not checked (outputs are dynamic).
 */
export function templateFaults(
  value: unknown,
  knownParameters: ReadonlySet<string> | string[],
  knownTasks: ReadonlySet<string> | string[],
  options: { item?: boolean } = {},
): ErrorDetail[] {
  // A save checks every task against the same names: sets made once there keep it linear.
  const parameters = knownParameters instanceof Set ? knownParameters : new Set(knownParameters);
  const tasks = knownTasks instanceof Set ? knownTasks : new Set(knownTasks);
  const faults: ErrorDetail[] = [];
  walk(value, '', (text, path) => {
    const parsed = parseTemplate(text);
    for (const fault of parsed.faults) faults.push({ path, ...fault });
    for (const part of parsed.parts) {
      if (part.kind === 'parameter' && !parameters.has(part.name)) {
        faults.push({
          path,
          code: 'UNKNOWN_PARAMETER',
          message: `'${part.source}': the workflow declares no parameter '${part.name}'`,
        });
      } else if (part.kind === 'output' && !tasks.has(part.task)) {
        faults.push({
          path,
          code: 'UNKNOWN_OUTPUT',
          message: `'${part.source}': the workflow has no task '${part.task}'`,
        });
      } else if ((part.kind === 'item' || part.kind === 'itemIndex') && !options.item) {
        faults.push({
          path,
          code: 'UNKNOWN_ITEM',
          message: `'${part.source}': only the body of a foreach task has an item`,
        });
      }
    }
    return text;
  });
  return faults;
}

/** A data-time offset as a dependency names it (`0d`, `-1d`, `+2h`, `-1M`), or undefined when it is not one. */
export function parseDataTimeOffset(text: string): Offset | undefined {
  const split = splitOffset(/^[+-]/.test(text) ? text : `+${text}`);
  if ('fault' in split || split.pattern !== '') return undefined;
  return split.offset;
}

/** Moves a data time by an offset in the workflow's time zone (calendar units move the wall clock). */
export function shiftDataTime(dataTime: Date, offset: Offset, timeZone: string): Date | undefined {
  return applyOffset(dataTime, offset, timeZone);
}
