import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { RondoError } from '#shared/errors.ts';
import {
  type EvaluationOptions,
  ExpressionEvaluationError,
  ExpressionSyntaxError,
  evaluateExpression,
  MAX_EVALUATION_STEPS,
  parseExpression,
  referencedRoots,
} from '#shared/expressions/expression.ts';

// Every expected value below is worked out by hand from the grammar and rules in the module's header.

const context: Record<string, unknown> = {
  params: { region: 'eu', threshold: 10, flag: true, label: 'true', name: '  Ada  ', i: 1 },
  outputs: {
    extract: {
      rows: 42,
      tags: ['daily', 'eu'],
      stats: { min: -3, max: 7 },
      nothing: null,
      file: { bucket: 'b', key: 'in/2026/data.csv' },
    },
    'my-task': { status: 'ok' },
  },
  items: [10, 20, 30],
};

const run = (source: string, ctx: Record<string, unknown> = context, options?: EvaluationOptions): unknown =>
  evaluateExpression(parseExpression(source), ctx, options);

function syntaxError(source: string): ExpressionSyntaxError {
  try {
    parseExpression(source);
  } catch (error) {
    if (error instanceof ExpressionSyntaxError) return error;
    throw error;
  }
  throw new Error(`expected a syntax error for ${source}`);
}

function evaluationError(
  source: string,
  ctx: Record<string, unknown> = context,
  options?: EvaluationOptions,
): ExpressionEvaluationError {
  const expression = parseExpression(source); // a syntax error here fails the test, as it should
  try {
    evaluateExpression(expression, ctx, options);
  } catch (error) {
    if (error instanceof ExpressionEvaluationError) return error;
    throw error;
  }
  throw new Error(`expected an evaluation error for ${source}`);
}

describe('evaluateExpression: values', () => {
  it.each<[string, unknown]>([
    // arithmetic and precedence
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['2 * 3 % 4', 2],
    ['-7 % 3', -1],
    ['-2 * 3', -6],
    ['1 - -1', 2],
    ['10 / 4', 2.5],
    ['1.5e2 + 2E-1', 150.2],
    ['0.1 + 0.2 == 0.3', false],
    ['1\n+\t2', 3],
    // boolean logic: && binds tighter than ||, `not` tighter than `and` but looser than comparisons
    ['true || false && false', true],
    ['false && true || true', true],
    ['1 + 2 > 2 && 3 > 4 || true', true],
    ['not false and false', false],
    ['not 1 == 2', true],
    ['!(1 > 2)', true],
    ['true or false and false', true],
    ['true || 1', true],
    ['false && 1', false],
    ['false and params.missing', false],
    ['1 == 1 == true', true],
    ['1 < 2 == 2 < 3', true],
    // ternary, right-associative
    ['true ? 1 : 2', 1],
    ['false ? 1 : true ? 2 : 3', 2],
    ['false ? 1 : 2 + 3', 5],
    ["params.threshold > 5 ? 'big' : 'small'", 'big'],
    ['params.flag ? (params.threshold > 50 ? 1 : 2) : 3', 2],
    // comparison and strict equality
    ["'abc' < 'abd'", true],
    ["'B' < 'a'", true],
    ['2 >= 2', true],
    ['3 <= 2', false],
    ["1 == '1'", false],
    ["1 != '1'", true],
    ['null == null', true],
    ['params.missing == null', true],
    ["[1, [2, 'x']] == [1, [2, 'x']]", true],
    ['[1, 2] == [2, 1]', false],
    ['outputs.extract.stats == outputs.extract.stats', true],
    ['outputs.extract.stats == outputs.extract.file', false],
    ['params.flag == true', true],
    ['params.label == true', false],
    // in / not in
    ["'eu' in outputs.extract.tags", true],
    ["'us' in outputs.extract.tags", false],
    ["'us' not in outputs.extract.tags", true],
    ["not 'eu' in outputs.extract.tags", false],
    ["'ail' in 'daily'", true],
    ["'ys' in 'daily'", false],
    ["'rows' in outputs.extract", true],
    ["'rowz' in outputs.extract", false],
    ["'nothing' in outputs.extract", true],
    ["'constructor' in outputs.extract", false],
    ['[1, 2] in [[1, 2], [3]]', true],
    ["params.region in ['eu', 'us']", true],
    ['1 + 1 in [2]', true],
    // strings and escapes
    ["'a' + 'b'", 'ab'],
    ['"it\'s"', "it's"],
    ["'line\\nbreak'", 'line\nbreak'],
    ["'\\u00e9t\\u00E9'", 'été'],
    ["'tab\\tq\\\\'", 'tab\tq\\'],
    ["'say \\'hi\\''", "say 'hi'"],
    ['"\\"q\\""', '"q"'],
    // literals
    ["[1, 'a', [true, null]]", [1, 'a', [true, null]]],
    ['[]', []],
    // member access; missing is null
    ['params.region', 'eu'],
    ["params['region']", 'eu'],
    ["outputs['my-task'].status", 'ok'],
    ["outputs.extract.stats['max']", 7],
    ['outputs.extract.tags[1]', 'eu'],
    ['items[1]', 20],
    ['items[0 + 2]', 30],
    ['items[params.i]', 20],
    ['[5, 6][1]', 6],
    ['items[5]', null],
    ['items[-1]', null],
    ['params.missing', null],
    ['unknownRoot', null],
    ['outputs.nope.rows', null],
    ['outputs.extract.nothing.deep', null],
    // functions
    ["len('héllo')", 5],
    ["len('😀')", 1],
    ["len('')", 0],
    ['len(items)', 3],
    ['len(outputs.extract.stats)', 2],
    ["lower('AbC')", 'abc'],
    ["upper('abc')", 'ABC'],
    ['trim(params.name)', 'Ada'],
    ["startsWith(outputs.extract.file.key, 'in/')", true],
    ["endsWith(outputs.extract.file.key, '.csv')", true],
    ["endsWith('a', 'ab')", false],
    ["contains(outputs.extract.tags, 'daily')", true],
    ["contains('daily', 'il')", true],
    ['contains([[1]], [1])', true],
    ["number('42')", 42],
    ["number(' 1.5e1 ')", 15],
    ["number('-.5')", -0.5],
    ['number(true)', 1],
    ['number(7)', 7],
    ['string(42)', '42'],
    ['string(true)', 'true'],
    ['string(null)', 'null'],
    ["string('x')", 'x'],
    ["string([1, 'a', null])", '[1,"a",null]'],
    ['string(outputs.extract.stats)', '{"min":-3,"max":7}'],
    ["'rows: ' + string(outputs.extract.rows)", 'rows: 42'],
    ['abs(-3)', 3],
    ['floor(-1.5)', -2],
    ['ceil(1.2)', 2],
    ['ceil(-0.5)', 0],
    ['round(2.5)', 3],
    ['round(-2.5)', -3],
    ['round(-0.4)', 0],
    ['round(1.005, 2)', 1.01],
    ['round(1234.5678, 2)', 1234.57],
    ['min(3, 1, 2)', 1],
    ['max(3, 1, 2)', 3],
    ['max(items)', 30],
    ['min(outputs.extract.stats.min, 0)', -3],
    ["coalesce(null, outputs.missing, 'x', 'y')", 'x'],
    ['coalesce(null)', null],
    ['default(outputs.extract.nothing, 5)', 5],
    ['default(0, 5)', 0],
    ["default(outputs.nope.rows, 'none')", 'none'],
    // matches: a search unless anchored
    ["matches(outputs.extract.file.key, '^in/\\\\d{4}/[a-z]+\\\\.csv$')", true],
    ["matches('abc', 'b')", true],
    ["matches('abc', '^b')", false],
    ["matches('abab', '^(a|b)+$')", true],
    ["matches('abc', '^(?:ab)+c$')", true],
    ["matches('a1', '^\\\\w\\\\d?$')", true],
    ["matches('hello world', '\\\\bworld\\\\b')", true],
    ["matches('helloworld', '\\\\bworld')", false],
    ["matches('helloworld', '\\\\Bworld')", true],
    ["matches('x', '[^a-c]')", true],
    ["matches('b', '[^a-c]')", false],
    ["matches('', '^$')", true],
    ["matches('aaa', '^a{2,3}$')", true],
    ["matches('aaaa', '^a{2,3}$')", false],
    ["matches('aaaa', '^a{2,}$')", true],
    ["matches('ab', '^a{2}')", false],
    ["matches('a.b', 'a\\\\.b')", true],
    ["matches('axb', 'a\\\\.b')", false],
    ["matches('a-ab', '^[a\\\\-]+b$')", true],
    ["matches('a b', '^a\\\\sb$')", true],
    ["matches('a\\nb', 'a.b')", false],
    ["matches('é', '^.$')", true],
    ["matches('ac', '^ab*?c$')", true],
    ["matches('x', 'a|b|x')", true],
    ["matches('x', 'a|')", true],
  ])('%s', (source, expected) => {
    expect(run(source)).toStrictEqual(expected);
  });

  it('accepts keywords as property names after a dot', () => {
    expect(run('o.not + o.in + o.true', { o: { not: 1, in: 2, true: 3 } })).toBe(6);
  });

  it('evaluates a long flat chain without running out of stack', () => {
    const source = `${'1 + '.repeat(999)}1`; // 3,997 characters
    expect(run(source)).toBe(1000);
  });

  it('gives the same answer from an expression that went through JSON, since the AST is plain data', () => {
    const expression = parseExpression(
      "outputs.extract.rows > params.threshold and 'eu' in outputs.extract.tags",
    );
    const copy = JSON.parse(JSON.stringify(expression));
    expect(evaluateExpression(copy, context)).toBe(true);
    expect(copy.source).toBe(expression.source);
  });
});

describe('parseExpression: syntax errors', () => {
  it.each<[string, number, string]>([
    ["'abc", 0, "unterminated string, expected a closing ' for the string starting at 0"],
    ["params.region == 'eu", 17, 'unterminated string'],
    ['"abc\\', 0, 'expected a closing "'],
    ['len(params.name', 15, "expected ',' or ')' at 15"],
    ['(1 + 2', 6, "expected ')' at 6"],
    ['(1 + 2 * (3 - 1)', 16, "expected ')' at 16"],
    ['[1, 2', 5, "expected ',' or ']'"],
    ['x[1', 3, "expected ']'"],
    ['a ? b', 5, "expected ':' of the conditional"],
    ['1 + * 2', 4, "expected an expression but found '*' at 4"],
    ['* 2', 0, "found '*'"],
    ['a >', 3, 'expected an expression but found the end at 3'],
    ['a == == b', 5, "found '=='"],
    ['f(1,)', 4, "found ')'"],
    ['', 0, 'found the end'],
    ['   ', 3, 'found the end'],
    ['and', 0, "found 'and'"],
    ['a @ b', 2, "unexpected character '@' at 2"],
    ['params.region # comment', 14, "unexpected character '#'"],
    ['a[`x`]', 2, "unexpected character '`'"],
    ['a = 1', 2, "expected '=='"],
    ['a & b', 2, "expected '&&'"],
    ['a | b', 2, "expected '||'"],
    ['1 2', 2, 'expected an operator or the end of the expression but found a number at 2'],
    ['(a) b', 4, "found 'b'"],
    ["a 'x'", 2, 'found a string'],
    ['a.b()', 3, "'(' calls only built-in functions"],
    ['(len)(x)', 5, "'(' calls only built-in functions"],
    ['a.', 2, "expected a property name after '.'"],
    ['a.1', 2, "expected a property name after '.'"],
    ['a not b', 6, "expected 'in' after 'not'"],
    ['1 < 2 < 3', 6, 'comparisons do not chain'],
    ["'a' in 'b' in 'c'", 11, 'comparisons do not chain'],
    ["'\\q'", 1, 'unknown escape \\q'],
    ["'\\u12'", 3, 'expected four hex digits'],
    ["'\\u12zz'", 3, 'expected four hex digits'],
    ['1.', 2, 'expected a digit after the decimal point'],
    ['.5', 0, "found '.'"],
    ['1e+', 3, 'expected a digit in the exponent'],
    ['12px', 2, 'expected an operator after the number'],
    ['1e999', 0, 'number is too large'],
  ])('%j fails at %i', (source, position, message) => {
    const error = syntaxError(source);
    expect(error.position).toBe(position);
    expect(error.message).toContain(message);
    expect(error.message.endsWith(` at ${position}`)).toBe(true);
  });

  it('is a non-retryable RondoError with code INVALID_EXPRESSION', () => {
    const error = syntaxError('(1');
    expect(error).toBeInstanceOf(RondoError);
    expect(error.name).toBe('ExpressionSyntaxError');
    expect(error.code).toBe('INVALID_EXPRESSION');
    expect(error.retryable).toBe(false);
  });

  it('limits the source to 4,000 characters', () => {
    const error = syntaxError(`a${' '.repeat(3999)}b`); // 4,001 characters
    expect(error.message).toBe('expression is longer than 4000 characters at 4000');
    expect(error.position).toBe(4000);
    expect(run(`${' '.repeat(3999)}1`)).toBe(1);
  });

  it('limits nesting to 64 levels and names the opening that goes too deep', () => {
    expect(run(`${'('.repeat(64)}1${')'.repeat(64)}`)).toBe(1);
    const parens = syntaxError(`${'('.repeat(65)}1${')'.repeat(65)}`);
    expect(parens.position).toBe(64);
    expect(parens.message).toContain('nests deeper than 64 levels');
    expect(run(`${'!'.repeat(64)}true`)).toBe(true);
    expect(syntaxError(`${'!'.repeat(65)}true`).position).toBe(64);
    expect(syntaxError(`${'len('.repeat(65)}'x'${')'.repeat(65)}`).position).toBe(256);
    expect(syntaxError(`${'true ? 1 : '.repeat(65)}2`).position).toBe(64 * 11 + 5);
  });
});

describe('evaluateExpression: evaluation errors', () => {
  it.each<[string, number, string]>([
    // type mismatches
    ["1 < 'a'", 2, "'<' compares two numbers or two strings, got number and string at 2"],
    ['params.region > 3', 14, 'got string and number'],
    ['null >= 1', 5, 'got null and number'],
    ["'a' + 1", 4, "'+' adds two numbers or joins two strings, got string and number"],
    ['[1] + [2]', 4, 'got array and array'],
    ["1 - 'a'", 2, "'-' needs two numbers, got number and string"],
    ["-'a'", 0, "unary '-' needs a number, got string"],
    ['1 / 0', 2, "'/' by zero"],
    ['5 % 0', 2, "'%' by zero"],
    ['1e308 * 10', 6, 'not a finite number'],
    // booleans only in boolean positions
    ['params.label && true', 0, "'&&' needs a boolean, got string at 0"],
    ['true and 1', 9, "'and' needs a boolean, got number at 9"],
    ['false || params.nope', 9, "'||' needs a boolean, got null"],
    ['!params.threshold', 1, "'!' needs a boolean, got number"],
    ['not params.region', 4, "'not' needs a boolean, got string"],
    ['params.missing ? 1 : 2', 0, "the condition of '?' needs a boolean, got null"],
    ["params.label == 'true' and len(params.label)", 27, "'and' needs a boolean, got number"],
    // functions
    ['nosuch(1)', 0, "unknown function 'nosuch' (known: abs, ceil, coalesce"],
    ['len()', 0, "'len' takes 1 argument, got 0"],
    ['len(1, 2)', 0, "'len' takes 1 argument, got 2"],
    ['round(1, 2, 3)', 0, "'round' takes 1 to 2 arguments, got 3"],
    ['min()', 0, "'min' takes at least 1 argument, got 0"],
    ['default(1)', 0, "'default' takes 2 arguments, got 1"],
    ['lower(1)', 6, "'lower' needs a string as argument 1, got number"],
    ["startsWith('a', 1)", 16, "'startsWith' needs a string as argument 2, got number"],
    ['len(5)', 4, "'len' needs a string, an array or an object as argument 1, got number"],
    ['abs(params.region)', 4, "'abs' needs a number as argument 1, got string"],
    ["number('12abc')", 0, "'number' cannot read '12abc' as a number"],
    ["number('')", 0, 'cannot read'],
    ["number('0x1f')", 0, 'cannot read'],
    ["number('Infinity')", 0, 'cannot read'],
    ['number(null)', 7, "'number' needs a number, a string or a boolean as argument 1, got null"],
    ['round(1.5, 1.5)', 11, 'whole number of digits from 0 to 15, got 1.5'],
    ['round(1, 16)', 9, 'got 16'],
    ["max(1, 'a')", 7, "'max' needs a number as argument 2, got string"],
    ['max([])', 0, "'max' of an empty array"],
    ["min([1, 'a'])", 0, 'element 1 is string'],
    ["contains(1, 'a')", 0, "'contains' needs an array, a string or an object, got number"],
    // membership
    ["'a' in 1", 4, "'in' needs an array, a string or an object, got number"],
    ["'x' in outputs.nope", 4, 'got null'],
    ["1 in 'abc'", 2, "'in' looks for a string in a string, got number"],
    ['1 not in outputs.extract', 2, "'not in' looks for a string key in an object, got number"],
    // member access on something that has no members
    ['params.threshold.x', 16, "cannot read property 'x' of a number"],
    ['params.region[0]', 13, 'cannot read index 0 of a string'],
    ['params.flag.x', 11, 'of a boolean'],
    ['items.length', 5, "arrays are indexed by position, not by property 'length' (len(x) gives the length)"],
    ["items['0']", 5, 'arrays are indexed by position'],
    ['items[1.5]', 5, 'array index 1.5 is not an integer'],
    ['outputs[true]', 7, 'object keys are strings, got boolean'],
  ])('%j fails at %i', (source, position, message) => {
    const error = evaluationError(source);
    expect(error.position).toBe(position);
    expect(error.message).toContain(message);
    expect(error.message.endsWith(` at ${position}`)).toBe(true);
  });

  it('is a non-retryable RondoError with code EXPRESSION_ERROR', () => {
    const error = evaluationError('1 < "a"');
    expect(error).toBeInstanceOf(RondoError);
    expect(error.name).toBe('ExpressionEvaluationError');
    expect(error.code).toBe('EXPRESSION_ERROR');
    expect(error.retryable).toBe(false);
  });

  it('reads a property of null as null, or fails with strictAccess', () => {
    const error = evaluationError('outputs.nope.rows', context, { strictAccess: true });
    expect(error.position).toBe(12);
    expect(error.message).toBe("cannot read property 'rows' of null at 12");
    expect(run('outputs.nope', context, { strictAccess: true })).toBeNull();
    expect(run('outputs.nope.rows')).toBeNull();
  });

  it('refuses context values that JSON cannot hold', () => {
    const error = evaluationError('hook', { hook: () => 1 });
    expect(error.message).toBe('the context holds a function, which expressions cannot use at 0');
    expect(evaluationError('n + 1', { n: 10n }).message).toContain('a bigint');
  });
});

describe('matches: regular expressions without backtracking', () => {
  it.each<[string, string]>([
    ['(a', "expected ')'"],
    ['a)', "unmatched ')'"],
    ['[a-', "expected ']'"],
    ['[]', 'empty character class'],
    ['[z-a]', 'range out of order'],
    ['[\\d-z]', 'a range needs two characters'],
    ['a{2,1}', 'n ≤ m'],
    ['a{x}', 'expected a number in {n,m}'],
    ['a{1001}', 'repetition counts go up to 1000'],
    ['(a)\\1', 'backreferences are not supported'],
    ['(?=a)', 'lookaround, named groups and inline flags are not supported'],
    ['(?<n>a)', 'lookaround'],
    ['(?i)a', 'inline flags'],
    ['\\p{L}', 'unsupported escape \\p'],
    ['[\\k]', 'unsupported escape \\k in a character class'],
    ['*a', 'nothing to repeat'],
    ['^*', 'nothing to repeat'],
    ['a**', 'a quantifier cannot follow another quantifier'],
    ['a\\', 'lone backslash'],
    ['(?:a{1000}){1000}', 'more than 2000 states'],
    ['(((?:){1000}){1000}){1000}', 'expands too far'],
  ])('rejects the pattern %j', (pattern, message) => {
    const error = evaluationError('matches(s, p)', { s: 'a', p: pattern });
    expect(error.position).toBe(11);
    expect(error.message).toContain("'matches' cannot use the pattern: ");
    expect(error.message).toContain(message);
  });

  it('rejects patterns longer than 200 characters', () => {
    expect(run('matches(s, p)', { s: 'a', p: 'a'.repeat(200) })).toBe(false);
    const error = evaluationError('matches(s, p)', { s: 'a', p: 'a'.repeat(201) });
    expect(error.message).toBe("'matches' takes patterns of at most 200 characters at 11");
  });

  it('answers catastrophic patterns in linear time', () => {
    // A backtracking engine needs about 2^n steps for these on n = 5,000; here each is a few milliseconds.
    const s = `${'a'.repeat(5000)}!`;
    const started = performance.now();
    expect(run("matches(s, '^(a+)+$')", { s })).toBe(false);
    expect(run("matches(s, '^(a|aa)*$')", { s })).toBe(false);
    expect(run("matches(s, '\\\\d*\\\\d*\\\\d*\\\\d*x')", { s: '1'.repeat(5000) })).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('bounds the work of one evaluation', () => {
    const regex = evaluationError("matches(s, '(a|aa)*b')", { s: 'a'.repeat(400_000) });
    expect(regex.message).toBe(`evaluation takes more than ${MAX_EVALUATION_STEPS} steps at 0`);
    const membership = evaluationError('-1 in big', { big: new Array(MAX_EVALUATION_STEPS + 1).fill(0) });
    expect(membership.message).toContain('evaluation takes more than');
    expect(run('-1 in big', { big: new Array(1000).fill(0) })).toBe(false);
  });

  it('refuses values nested too deeply to compare', () => {
    const nest = (levels: number): unknown => {
      let value: unknown = 1;
      for (let i = 0; i < levels; i += 1) value = [value];
      return value;
    };
    // Two equal but distinct values, so that the comparison has to walk them.
    expect(evaluationError('a == b', { a: nest(300), b: nest(300) }).message).toContain(
      'values nest deeper than 256',
    );
    expect(run('a == b', { a: nest(200), b: nest(200) })).toBe(true);
    expect(run('a == b', { a: [[1]], b: [[1]] })).toBe(true);
  });
});

describe('referencedRoots', () => {
  it.each<[string, string[], string[][]]>([
    [
      'outputs.extract.rows > params.threshold',
      ['outputs', 'params'],
      [
        ['outputs', 'extract', 'rows'],
        ['params', 'threshold'],
      ],
    ],
    ["outputs['my-task'].rows[0].x", ['outputs'], [['outputs', 'my-task', 'rows']]],
    ['items[params.i].name', ['items', 'params'], [['items'], ['params', 'i']]],
    [
      "len(outputs.a.rows) > 0 and params.region in ['eu'] or params.region == 'us'",
      ['outputs', 'params'],
      [
        ['outputs', 'a', 'rows'],
        ['params', 'region'],
      ],
    ],
    ['len(x)', ['x'], [['x']]],
    ['1 + 2', [], []],
    ['[a, b.c][0]', ['a', 'b'], [['a'], ['b', 'c']]],
    ['a ? b.x : -c', ['a', 'b', 'c'], [['a'], ['b', 'x'], ['c']]],
    ['(outputs.a).b', ['outputs'], [['outputs', 'a', 'b']]],
    [
      'outputs.a.b != null and outputs.a != null',
      ['outputs'],
      [
        ['outputs', 'a', 'b'],
        ['outputs', 'a'],
      ],
    ],
  ])('%s', (source, identifiers, paths) => {
    expect(referencedRoots(parseExpression(source))).toStrictEqual({ identifiers, paths });
  });
});

describe('nothing is evaluated as JavaScript', () => {
  it('reads inherited names as missing properties', () => {
    expect(run('constructor')).toBeNull();
    expect(run('outputs.constructor')).toBeNull();
    expect(run('params.__proto__')).toBeNull();
    expect(run("params['__proto__']")).toBeNull();
    expect(run('params.toString')).toBeNull();
    expect(run('params.hasOwnProperty')).toBeNull();
    expect(run("'constructor' in params")).toBe(false);
    expect(run('globalThis')).toBeNull();
    expect(run('this')).toBeNull();
    expect(run('process')).toBeNull();
  });

  it('calls only the built-in functions, whatever the name resolves to in JavaScript', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation(() => undefined as never);
    try {
      for (const source of [
        "constructor('return 1')",
        'toString()',
        "eval('1')",
        "Function('x')",
        "require('fs')",
      ]) {
        expect(evaluationError(source).message).toContain('unknown function');
      }
      expect(evaluationError('exit(0)', { exit: process.exit }).message).toContain("unknown function 'exit'");
      expect(syntaxError('process.exit()').position).toBe(12);
      expect(syntaxError("params.constructor.constructor('return process')()").position).toBe(30);
      expect(syntaxError('x => 1').message).toContain("expected '=='");
      expect(exit).not.toHaveBeenCalled();
    } finally {
      exit.mockRestore();
    }
  });

  it('runs no getter and no toJSON of the context', () => {
    let touched = 0;
    class Leaky {
      toJSON(): string {
        touched += 1;
        return 'leaked';
      }
    }
    const trap = Object.defineProperty(new Leaky(), 'secret', {
      enumerable: true,
      get: () => {
        touched += 1;
        return 'leaked';
      },
    });
    expect(run('trap.secret', { trap })).toBeNull();
    expect(run('string(trap)', { trap })).toBe('{"secret":null}');
    expect(run("'secret' in trap", { trap })).toBe(false);
    expect(touched).toBe(0);
  });

  it('has no eval, Function or RegExp construction in its source', () => {
    const source = readFileSync(
      new URL('../../../shared/expressions/expression.ts', import.meta.url),
      'utf8',
    );
    expect(source).not.toMatch(
      /\beval\s*\(|\bFunction\s*\(|new\s+RegExp|\bRegExp\s*\(|\/[^/\n]+\/[dgimsuyv]*\.test\(/,
    );
  });
});
