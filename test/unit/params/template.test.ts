// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Rondo templates, not JS ones.
import { describe, expect, it } from 'vitest';
import { RondoError } from '#shared/errors.ts';
import {
  renderTemplates,
  type TemplateContext,
  TemplateError,
  templateFaults,
} from '#shared/params/template.ts';

// Expected values are worked out by hand. Berlin is CET (+01:00) until 2026-03-29 01:00 UTC, then CEST
// (+02:00) until 2026-10-25 01:00 UTC. 2026-03-01 is a Sunday; 2028 is a leap year.

const berlin = (iso: string, extra: Partial<TemplateContext> = {}): TemplateContext => ({
  dataTime: new Date(iso),
  timezone: 'Europe/Berlin',
  parameters: { region: 'eu', threshold: 100, flag: true },
  outputs: {
    extract: { rows: 42, file: { bucket: 'b', key: 'k' }, parts: ['a', 'b'], empty: null },
  },
  ...extra,
});
const march1 = berlin('2026-03-01T00:00:00Z'); // 2026-03-01 01:00 local

const render = (template: string, context: TemplateContext = march1): unknown =>
  renderTemplates(template, context);

function renderError(value: unknown, context: TemplateContext = march1): TemplateError {
  try {
    renderTemplates(value, context);
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error('expected a TemplateError');
}

describe('date patterns: the data time in the context time zone', () => {
  it('formats every token from the local wall clock', () => {
    expect(render('${yyyyMMdd}')).toBe('20260301');
    expect(render('${yyyy-MM-dd HH:mm:ss}')).toBe('2026-03-01 01:00:00');
    expect(render('${HH}')).toBe('01');
    expect(render('${yy}/${MM}')).toBe('26/03');
    expect(render('${yyyy-MM-dd HH:mm:ss}', berlin('2026-07-04T09:08:07Z'))).toBe('2026-07-04 11:08:07');
  });

  it('uses the context time zone, not UTC', () => {
    const lateEvening = '2026-02-28T23:30:00Z';
    expect(render('${yyyyMMdd HH:mm}', berlin(lateEvening))).toBe('20260301 00:30');
    expect(render('${yyyyMMdd HH:mm}', berlin(lateEvening, { timezone: 'UTC' }))).toBe('20260228 23:30');
  });

  it('applies an offset before formatting', () => {
    expect(render('${yyyyMMdd-1d}')).toBe('20260228');
    expect(render('${yyyy-MM-dd-1d}')).toBe('2026-02-28');
    expect(render('${yyyyMMdd+1d}')).toBe('20260302');
    expect(render('${yyyyMMdd-1w}')).toBe('20260222');
    expect(render('${yyyyMM-1M}')).toBe('202602');
    expect(render('${yyyy-1y}')).toBe('2025');
    expect(render('${yyyyMMddHH+3h}')).toBe('2026030104');
    expect(render('${yyyyMMddHH-2H}')).toBe('2026022823');
    expect(render('${HHmm-30m}')).toBe('0030');
    expect(render('${yyyyMMddHHmm-61m}', { ...march1, timezone: 'UTC' })).toBe('202602282259');
    expect(render('${yyyyMMdd-0d}')).toBe('20260301');
  });

  it('clamps month ends when moving by months or years', () => {
    const march31 = berlin('2026-03-31T10:00:00Z'); // 12:00 CEST
    expect(render('${yyyyMM-1M}', march31)).toBe('202602');
    expect(render('${yyyyMMdd-1M}', march31)).toBe('20260228');
    expect(render('${yyyyMMdd-1M}', berlin('2028-03-31T10:00:00Z'))).toBe('20280229');
    expect(render('${yyyyMMdd-1y}', berlin('2028-02-29T10:00:00Z'))).toBe('20270228');
    expect(render('${yyyyMMdd+13M}', march31)).toBe('20270430');
  });

  it('moves the wall clock for calendar units and the instant for hours across DST', () => {
    // Spring forward: 2026-03-30 00:00 CEST; the day before has only 23 hours.
    const afterSpring = berlin('2026-03-29T22:00:00Z');
    expect(render('${yyyy-MM-dd HH:mm-1d}', afterSpring)).toBe('2026-03-29 00:00');
    expect(render('${yyyy-MM-dd HH:mm-24h}', afterSpring)).toBe('2026-03-28 23:00');
    // Fall back: 2026-10-26 00:00 CET; the day before has 25 hours.
    const afterFall = berlin('2026-10-25T23:00:00Z');
    expect(render('${yyyy-MM-dd HH:mm-1d}', afterFall)).toBe('2026-10-25 00:00');
    expect(render('${yyyy-MM-dd HH:mm-24h}', afterFall)).toBe('2026-10-25 01:00');
    // Month offsets keep the wall clock too: 12:00 CEST on Mar 31 is 12:00 CET on Feb 28.
    expect(render('${yyyy-MM-dd HH:mm-1M}', berlin('2026-03-31T10:00:00Z'))).toBe('2026-02-28 12:00');
  });

  it('keeps a date pattern a string even when it is the whole value', () => {
    expect(render('${yyyy}')).toBe('2026');
  });
});

describe('references', () => {
  it('keeps the JSON type of a string that is exactly one reference', () => {
    expect(render('[DYNAMIC_PARAMS.threshold]')).toBe(100);
    expect(render('[DYNAMIC_PARAMS.flag]')).toBe(true);
    expect(render('${outputs.extract.rows}')).toBe(42);
    expect(render('${outputs.extract.file}')).toEqual({ bucket: 'b', key: 'k' });
    expect(render('${outputs.extract.parts}')).toEqual(['a', 'b']);
    expect(render('${outputs.extract.empty}')).toBeNull();
  });

  it('reads nested keys and array indexes', () => {
    expect(render('${outputs.extract.file.key}')).toBe('k');
    expect(render('${outputs.extract.parts.1}')).toBe('b');
  });

  it('stringifies references inside a longer string', () => {
    expect(render('s3://${outputs.extract.file.bucket}/${yyyyMMdd}/[DYNAMIC_PARAMS.region]')).toBe(
      's3://b/20260301/eu',
    );
    expect(render('n=[DYNAMIC_PARAMS.threshold]')).toBe('n=100');
    expect(render(' ${outputs.extract.rows}')).toBe(' 42');
    expect(render('file=${outputs.extract.file}')).toBe('file={"bucket":"b","key":"k"}');
    expect(render('parts=${outputs.extract.parts} empty=${outputs.extract.empty}')).toBe(
      'parts=["a","b"] empty=null',
    );
  });

  it('returns a copy of a referenced object', () => {
    const context = berlin('2026-03-01T00:00:00Z');
    const file = renderTemplates({ file: '${outputs.extract.file}' }, context).file as unknown as {
      key: string;
    };
    file.key = 'changed';
    expect(context.outputs.extract?.file).toEqual({ bucket: 'b', key: 'k' });
  });

  it('does not read inherited properties', () => {
    expect(renderError('${outputs.extract.constructor}').details[0]?.code).toBe('UNKNOWN_OUTPUT');
    expect(renderError('[DYNAMIC_PARAMS.toString]').details[0]?.code).toBe('UNKNOWN_PARAMETER');
  });
});

describe('for-each items', () => {
  const iteration = berlin('2026-03-01T00:00:00Z', {
    item: { value: { table: 'sales', parts: [3, 4], nothing: null }, index: 7 },
  });

  it('gives the item with its JSON type, its keys and array indexes, and its index', () => {
    expect(render('${item}', iteration)).toEqual({ table: 'sales', parts: [3, 4], nothing: null });
    expect(render('${item.table}', iteration)).toBe('sales');
    expect(render('${item.parts.1}', iteration)).toBe(4);
    expect(render('${item.nothing}', iteration)).toBeNull();
    expect(render('${itemIndex}', iteration)).toBe(7);
    expect(render('load ${item.table} part ${itemIndex} of ${yyyyMMdd}', iteration)).toBe(
      'load sales part 7 of 20260301',
    );
  });

  it('faults an item key that does not exist, and an item outside a for-each body', () => {
    expect(renderError('${item.missing}', iteration).details).toEqual([
      { path: '', code: 'UNKNOWN_ITEM', message: "'${item.missing}': the item has no 'missing'" },
    ]);
    expect(renderError({ a: '${item}' }).details).toEqual([
      { path: 'a', code: 'UNKNOWN_ITEM', message: "'${item}': only the body of a foreach task has an item" },
    ]);
    expect(templateFaults({ a: '${itemIndex}' }, [], [])).toEqual([
      {
        path: 'a',
        code: 'UNKNOWN_ITEM',
        message: "'${itemIndex}': only the body of a foreach task has an item",
      },
    ]);
    expect(templateFaults({ a: '${item.x}', b: '${itemIndex}' }, [], [], { item: true })).toEqual([]);
    expect(templateFaults('${item..x}', [], [], { item: true })[0]?.code).toBe('UNKNOWN_ITEM');
  });
});

describe('walking JSON values', () => {
  it('renders strings in nested objects and arrays and returns a new value', () => {
    const config = {
      method: 'POST',
      retries: 3,
      enabled: false,
      nothing: null,
      body: { day: '${yyyyMMdd}', region: '[DYNAMIC_PARAMS.region]', limit: '[DYNAMIC_PARAMS.threshold]' },
      args: ['--from', '${yyyy-MM-dd-1d}', { rows: '${outputs.extract.rows}' }],
    };
    const snapshot = structuredClone(config);
    expect(renderTemplates(config, march1)).toEqual({
      method: 'POST',
      retries: 3,
      enabled: false,
      nothing: null,
      body: { day: '20260301', region: 'eu', limit: 100 },
      args: ['--from', '2026-02-28', { rows: 42 }],
    });
    expect(config).toEqual(snapshot);
  });

  it('leaves object keys alone', () => {
    expect(renderTemplates({ '${yyyy}': 'x' }, march1)).toEqual({ '${yyyy}': 'x' });
  });
});

describe('escapes and literals', () => {
  it('turns \\${ and \\[ into literals', () => {
    expect(render('\\${yyyyMMdd}')).toBe('${yyyyMMdd}');
    expect(render('\\[DYNAMIC_PARAMS.region]')).toBe('[DYNAMIC_PARAMS.region]');
    expect(render('\\${outputs.extract.rows}')).toBe('${outputs.extract.rows}');
    expect(render('cost \\${yyyy} in ${yyyy}')).toBe('cost ${yyyy} in 2026');
    expect(render('\\[x]')).toBe('[x]');
  });

  it('keeps other dollars, brackets and backslashes as they are', () => {
    expect(render('price $5 [note] a\\b [1,2] $')).toBe('price $5 [note] a\\b [1,2] $');
    expect(render('[DYNAMIC_PARAMS]')).toBe('[DYNAMIC_PARAMS]');
  });
});

describe('faults: every one collected, each with its path', () => {
  it('is a non-retryable RondoError with code TEMPLATE_ERROR', () => {
    const error = renderError({ body: { region: '[DYNAMIC_PARAMS.zone]' } });
    expect(error).toBeInstanceOf(RondoError);
    expect(error.code).toBe('TEMPLATE_ERROR');
    expect(error.retryable).toBe(false);
    expect(error.details).toEqual([
      { path: 'body.region', code: 'UNKNOWN_PARAMETER', message: expect.stringContaining('zone') },
    ]);
  });

  it('UNKNOWN_OUTPUT for a missing task, key or nested key, and a malformed reference', () => {
    const error = renderError({
      headers: { 'x-token': '${outputs.auth.token}' },
      a: '${outputs.extract.missing}',
      b: 'size=${outputs.extract.file.size}',
      c: '${outputs.extract.parts.2}',
      d: '${outputs.extract}',
    });
    expect(error.details.map((d) => [d.path, d.code])).toEqual([
      ['headers.x-token', 'UNKNOWN_OUTPUT'],
      ['a', 'UNKNOWN_OUTPUT'],
      ['b', 'UNKNOWN_OUTPUT'],
      ['c', 'UNKNOWN_OUTPUT'],
      ['d', 'UNKNOWN_OUTPUT'],
    ]);
    expect(error.details[2]?.message).toContain("'extract.file.size' does not exist");
  });

  it('UNKNOWN_PARAMETER for a parameter without a value', () => {
    const context = { ...march1, parameters: { label: undefined } };
    expect(renderError('[DYNAMIC_PARAMS.label]', context).details).toEqual([
      { path: '', code: 'UNKNOWN_PARAMETER', message: expect.any(String) },
    ]);
    expect(renderError('[DYNAMIC_PARAMS.]').details[0]?.code).toBe('UNKNOWN_PARAMETER');
  });

  it('INVALID_DATE_PATTERN for letters that form no token, an empty pattern, or nesting', () => {
    for (const template of ['${yyyyMMddX}', '${}', '${y}', '${yyy}', '${-1d}', '${yyyy${MM}}', '${foo}']) {
      expect(
        renderError(template).details.map((d) => [d.path, d.code]),
        template,
      ).toEqual([['', 'INVALID_DATE_PATTERN']]);
    }
  });

  it('INVALID_OFFSET for a bad unit, a missing unit, too many digits, or leaving the supported years', () => {
    for (const template of [
      '${yyyyMMdd-1x}',
      '${yyyyMMdd-1}',
      '${yyyyMMdd+1dd}',
      '${yyyyMMdd-1234567890d}',
      '${yyyy+99999y}',
      '${yyyy-9999999d}',
    ]) {
      expect(
        renderError({ day: template }).details.map((d) => [d.path, d.code]),
        template,
      ).toEqual([['day', 'INVALID_OFFSET']]);
    }
  });

  it('UNCLOSED_TEMPLATE for ${ without } and [DYNAMIC_PARAMS. without ]', () => {
    const error = renderError({ args: ['ok', '${yyyyMMdd'], p: 'x [DYNAMIC_PARAMS.region' });
    expect(error.details.map((d) => [d.path, d.code])).toEqual([
      ['args[1]', 'UNCLOSED_TEMPLATE'],
      ['p', 'UNCLOSED_TEMPLATE'],
    ]);
  });

  it('collects several faults of one string and of the whole value before throwing', () => {
    const error = renderError({
      body: { day: '${QQ}-[DYNAMIC_PARAMS.zone]-${outputs.ghost.x}', fine: '${yyyy}' },
      tail: '${yyyy',
    });
    expect(error.details.map((d) => [d.path, d.code])).toEqual([
      ['body.day', 'INVALID_DATE_PATTERN'],
      ['body.day', 'UNKNOWN_PARAMETER'],
      ['body.day', 'UNKNOWN_OUTPUT'],
      ['tail', 'UNCLOSED_TEMPLATE'],
    ]);
    expect(error.message).toContain('and 3 more');
  });
});

describe('templateFaults: the static check when a workflow is saved', () => {
  const parameters = ['region', 'threshold'];
  const tasks = ['extract', 'transform'];

  it('finds nothing wrong in a valid config, whatever the output keys', () => {
    const config = {
      body: { day: '${yyyyMMdd-1d}', region: '[DYNAMIC_PARAMS.region]' },
      rows: '${outputs.extract.anything.nested}',
      escaped: '\\[DYNAMIC_PARAMS.zone] \\${outputs.ghost.x}',
      far: '${yyyy+99999y}',
    };
    expect(templateFaults(config, parameters, tasks)).toEqual([]);
  });

  it('reports syntax faults, undeclared parameters and unknown tasks with their paths', () => {
    const config = {
      body: { region: '[DYNAMIC_PARAMS.zone]' },
      headers: { 'x-token': '${outputs.auth.token}' },
      args: ['${yyyyMMdd-1q}', '${QQ}', '${outputs.extract}'],
      tail: 'x ${yyyy',
    };
    expect(templateFaults(config, parameters, tasks).map((d) => [d.path, d.code])).toEqual([
      ['body.region', 'UNKNOWN_PARAMETER'],
      ['headers.x-token', 'UNKNOWN_OUTPUT'],
      ['args[0]', 'INVALID_OFFSET'],
      ['args[1]', 'INVALID_DATE_PATTERN'],
      ['args[2]', 'UNKNOWN_OUTPUT'],
      ['tail', 'UNCLOSED_TEMPLATE'],
    ]);
  });

  it('checks a bare string at the root path', () => {
    expect(templateFaults('[DYNAMIC_PARAMS.zone]', ['region'], [])).toEqual([
      { path: '', code: 'UNKNOWN_PARAMETER', message: expect.stringContaining("no parameter 'zone'") },
    ]);
  });
});
