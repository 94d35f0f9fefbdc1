// The parameter values a run works with: the workflow's declared defaults overridden by the values given
// for a run, overridden in turn by those given for a rerun. Precedence: rerun > run > workflow default.
// Every value is checked against its declared type and normalised:
//   numeric  a finite number, or a decimal numeric string ('42', '-1.5', '2e3') read as a number;
//   date     an ISO 8601 date ('2026-03-01', midnight UTC) or date-time with a zone designator
//            ('2026-03-01T02:30:00Z', '…+01:00'), normalised to Date#toISOString() (UTC, milliseconds);
//   text     a string; a finite number or a boolean is stringified.
import { type ErrorDetail, ValidationError } from '../errors.ts';
import type { WorkflowDefinition } from '../model/workflow.ts';

type ParameterType = WorkflowDefinition['parameters'][number]['type'];
type Coerced = { ok: true; value: unknown } | { ok: false; message: string };

// Anchored, and no quantified group can match the same text two ways, so both run in linear time.
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}))?$/;

function coerceNumeric(value: unknown): Coerced {
  if (typeof value === 'number' && Number.isFinite(value)) return { ok: true, value };
  if (typeof value === 'string' && DECIMAL.test(value.trim())) {
    const parsed = Number(value.trim());
    if (Number.isFinite(parsed)) return { ok: true, value: parsed };
  }
  return { ok: false, message: `expected a number or a numeric string, got ${describe(value)}` };
}

/** Epoch milliseconds of an ISO 8601 date or zoned date-time; undefined if it names no instant. */
function parseIsoInstant(text: string): number | undefined {
  const match = ISO_8601.exec(text);
  if (match === null) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '0', zone = 'Z'] = match;
  const [y, mo, d, h, mi, s] = [year, month, day, hour, minute, second].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth = mo === 2 ? (isLeapYear(y) ? 29 : 28) : [4, 6, 9, 11].includes(mo) ? 30 : 31;
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth || h > 23 || mi > 59 || s > 59) return undefined;
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const zoneHours = Number(zone.slice(1, 3));
    const zoneMinutes = Number(zone.slice(4, 6));
    if (zoneHours > 23 || zoneMinutes > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (zoneHours * 60 + zoneMinutes);
  }
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, Number(fraction.padEnd(3, '0').slice(0, 3)));
  return date.getTime() - offsetMinutes * 60_000;
}

const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

function coerceDate(value: unknown): Coerced {
  const instant =
    value instanceof Date ? value.getTime() : typeof value === 'string' ? parseIsoInstant(value) : undefined;
  if (instant !== undefined && Number.isFinite(instant)) {
    return { ok: true, value: new Date(instant).toISOString() };
  }
  return {
    ok: false,
    message: `expected an ISO 8601 date or zoned date-time (2026-03-01T00:00:00Z), got ${describe(value)}`,
  };
}

function coerceText(value: unknown): Coerced {
  if (typeof value === 'string') return { ok: true, value };
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') {
    return { ok: true, value: String(value) };
  }
  return { ok: false, message: `expected text, got ${describe(value)}` };
}

function coerce(type: ParameterType, value: unknown): Coerced {
  switch (type) {
    case 'numeric':
      return coerceNumeric(value);
    case 'date':
      return coerceDate(value);
    case 'text':
      return coerceText(value);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/**
 * Resolves the parameter values of a run. `declared` supplies the workflow defaults; `layers` are the
 * overrides from weakest to strongest, called as `[runOverrides, rerunOverrides]`, so that
 * rerun > run > workflow default. A layer may be undefined; a key whose value is undefined is not given.
 * A declared parameter with no default and no override is absent from the result.
 * Throws ValidationError (code INVALID_PARAMETERS) listing every override that names an undeclared
 * parameter and every value of the wrong type, each at path `parameters.<name>`.
 */
export function resolveParameters(
  declared: WorkflowDefinition['parameters'],
  layers: Array<Record<string, unknown> | undefined>,
): Record<string, unknown> {
  const types = new Map<string, ParameterType>(declared.map((parameter) => [parameter.name, parameter.type]));
  const values = new Map<string, unknown>();
  const faults: ErrorDetail[] = [];

  const apply = (name: string, value: unknown): void => {
    const type = types.get(name);
    if (type === undefined) {
      faults.push({
        path: `parameters.${name}`,
        code: 'UNKNOWN_PARAMETER',
        message: `the workflow declares no parameter '${name}'`,
      });
      return;
    }
    const coerced = coerce(type, value);
    if (coerced.ok) values.set(name, coerced.value);
    else
      faults.push({
        path: `parameters.${name}`,
        code: 'INVALID_TYPE',
        message: `${type}: ${coerced.message}`,
      });
  };

  for (const parameter of declared) {
    if (parameter.default !== undefined) apply(parameter.name, parameter.default);
  }
  for (const layer of layers) {
    if (layer === undefined) continue;
    for (const [name, value] of Object.entries(layer)) {
      if (value !== undefined) apply(name, value);
    }
  }
  if (faults.length > 0)
    throw new ValidationError('The parameters are not valid', faults, 'INVALID_PARAMETERS');
  // Declared order, whatever order the overrides came in.
  return Object.fromEntries(
    declared.filter((p) => values.has(p.name)).map((p) => [p.name, values.get(p.name)]),
  );
}
