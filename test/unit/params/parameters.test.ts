import { describe, expect, it } from 'vitest';
import { ValidationError } from '#shared/errors.ts';
import type { WorkflowDefinition } from '#shared/model/workflow.ts';
import { resolveParameters } from '#shared/params/parameters.ts';

const declared: WorkflowDefinition['parameters'] = [
  { name: 'region', type: 'text', default: 'eu' },
  { name: 'threshold', type: 'numeric', default: 100 },
  { name: 'since', type: 'date', default: '2026-01-01T00:00:00Z' },
  { name: 'label', type: 'text' },
];

function resolveError(layers: Array<Record<string, unknown> | undefined>): ValidationError {
  try {
    resolveParameters(declared, layers);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('resolveParameters: precedence', () => {
  it('starts from the declared defaults; a parameter with no default and no override is absent', () => {
    const resolved = resolveParameters(declared, []);
    expect(resolved).toStrictEqual({ region: 'eu', threshold: 100, since: '2026-01-01T00:00:00.000Z' });
    expect('label' in resolved).toBe(false);
  });

  it('rerun overrides beat run overrides, which beat the workflow defaults', () => {
    const run = { region: 'us', threshold: 5, label: 'first' };
    const rerun = { region: 'apac' };
    expect(resolveParameters(declared, [run, rerun])).toStrictEqual({
      region: 'apac',
      threshold: 5,
      since: '2026-01-01T00:00:00.000Z',
      label: 'first',
    });
    expect(resolveParameters(declared, [rerun, run]).region).toBe('us');
  });

  it('skips missing layers and undefined values', () => {
    expect(
      resolveParameters(declared, [undefined, { label: 'x', region: undefined }, undefined]),
    ).toStrictEqual({
      region: 'eu',
      threshold: 100,
      since: '2026-01-01T00:00:00.000Z',
      label: 'x',
    });
  });

  it('declares nothing, resolves nothing', () => {
    expect(resolveParameters([], [undefined, {}])).toStrictEqual({});
  });
});

describe('resolveParameters: coercion to the declared type', () => {
  const one = (name: string, value: unknown): unknown =>
    resolveParameters(declared, [{ [name]: value }])[name];

  it('numeric: numbers and decimal numeric strings', () => {
    expect(one('threshold', 0)).toBe(0);
    expect(one('threshold', -2.5)).toBe(-2.5);
    expect(one('threshold', '42')).toBe(42);
    expect(one('threshold', ' -1.5 ')).toBe(-1.5);
    expect(one('threshold', '2e3')).toBe(2000);
    expect(one('threshold', '.5')).toBe(0.5);
  });

  it('date: ISO 8601 strings normalised to toISOString()', () => {
    expect(one('since', '2026-03-01')).toBe('2026-03-01T00:00:00.000Z');
    expect(one('since', '2026-03-01T02:30:00Z')).toBe('2026-03-01T02:30:00.000Z');
    expect(one('since', '2026-03-01T02:30Z')).toBe('2026-03-01T02:30:00.000Z');
    expect(one('since', '2026-03-01T02:30:00+01:00')).toBe('2026-03-01T01:30:00.000Z');
    expect(one('since', '2026-03-01T00:30:00-05:30')).toBe('2026-03-01T06:00:00.000Z');
    expect(one('since', '2026-03-01T02:30:00.5Z')).toBe('2026-03-01T02:30:00.500Z');
    expect(one('since', '2028-02-29T23:59:59.123456Z')).toBe('2028-02-29T23:59:59.123Z');
    expect(one('since', new Date('2026-05-05T05:05:05Z'))).toBe('2026-05-05T05:05:05.000Z');
  });

  it('text: strings as they are, numbers and booleans stringified', () => {
    expect(one('label', '')).toBe('');
    expect(one('label', ' spaced ')).toBe(' spaced ');
    expect(one('label', 7)).toBe('7');
    expect(one('label', 1.5)).toBe('1.5');
    expect(one('label', false)).toBe('false');
  });
});

describe('resolveParameters: faults', () => {
  it('refuses an undeclared parameter with code INVALID_PARAMETERS and the path parameters.<name>', () => {
    const error = resolveError([{ zone: 'x' }]);
    expect(error.code).toBe('INVALID_PARAMETERS');
    expect(error.retryable).toBe(false);
    expect(error.details).toEqual([
      { path: 'parameters.zone', code: 'UNKNOWN_PARAMETER', message: expect.stringContaining("'zone'") },
    ]);
  });

  it.each([
    ['threshold', 'abc'],
    ['threshold', ''],
    ['threshold', '0x10'],
    ['threshold', '1,5'],
    ['threshold', true],
    ['threshold', null],
    ['threshold', Number.NaN],
    ['threshold', Number.POSITIVE_INFINITY],
    ['since', 'yesterday'],
    ['since', '2026-02-29'],
    ['since', '2026-02-30T00:00:00Z'],
    ['since', '2026-13-01'],
    ['since', '2026-03-01T24:00:00Z'],
    ['since', '2026-03-01T02:30:00'],
    ['since', '2026-03-01 02:30:00Z'],
    ['since', 1_772_323_200_000],
    ['since', new Date('not a date')],
    ['label', null],
    ['label', { a: 1 }],
    ['label', ['a']],
    ['label', Number.NaN],
  ])('refuses %s = %j', (name, value) => {
    const error = resolveError([{ [name]: value }]);
    expect(error.details).toEqual([
      { path: `parameters.${name}`, code: 'INVALID_TYPE', message: expect.any(String) },
    ]);
  });

  it('lists every fault of every layer in one error', () => {
    const error = resolveError([
      { zone: 'x', threshold: 'many' },
      { since: 'soon', region: 'us' },
    ]);
    expect(error.details.map((d) => d.path)).toEqual([
      'parameters.zone',
      'parameters.threshold',
      'parameters.since',
    ]);
  });
});
