/**
 * EventBridge event-pattern validation and matching, as documented in the Amazon EventBridge user guide
 * ("Creating Amazon EventBridge event patterns", "Comparison operators for use in event patterns in Amazon
 * EventBridge", "Content filtering in Amazon EventBridge event patterns") and the Event Ruler library that
 * implements them.
 *
 * A pattern is compiled once (validation, lower-casing, wildcard and CIDR parsing); matching an event only
 * walks the compiled form. Patterns returned by `parseEventPattern` are deep-frozen and their compiled form is
 * cached, so `matchesEventPattern` on them costs no re-validation.
 */

export class InvalidEventPatternError extends Error {
  readonly code = 'INVALID_EVENT_PATTERN';
  /** Where in the pattern the problem is, e.g. `detail.state[0].prefix`; empty for the pattern itself. */
  readonly path: string;

  constructor(path: string, reason: string) {
    super(path === '' ? `Invalid event pattern: ${reason}` : `Invalid event pattern at ${path}: ${reason}`);
    this.name = 'InvalidEventPatternError';
    this.path = path;
  }
}

export type EventPattern = Record<string, unknown>;

type JsonObject = Record<string, unknown>;
type Leaf = string | number | boolean | null;
type LeafTest = (value: Leaf) => boolean;

/** Compiled conditions of one field whose pattern value is an array. */
interface LeafMatcher {
  /** A `{"exists": false}` condition is present: matches when the field has no leaf value. */
  readonly matchesAbsent: boolean;
  /** A `{"exists": true}` condition is present: matches any leaf value. */
  readonly matchesPresent: boolean;
  readonly test: LeafTest;
}

type FieldRule =
  | { readonly kind: 'leaf'; readonly key: string; readonly matcher: LeafMatcher }
  | { readonly kind: 'object'; readonly key: string; readonly pattern: CompiledPattern }
  | { readonly kind: 'or'; readonly alternatives: readonly CompiledPattern[] };

/** All rules must match (AND across fields). */
type CompiledPattern = readonly FieldRule[];

const OR_KEY = '$or';
const MATCH_OPERATORS: ReadonlySet<string> = new Set([
  'prefix',
  'suffix',
  'equals-ignore-case',
  'anything-but',
  'numeric',
  'exists',
  'wildcard',
  'cidr',
]);
const EMPTY_OBJECT: JsonObject = Object.freeze({});
const compiledPatterns = new WeakMap<EventPattern, CompiledPattern>();

/**
 * Validates an event pattern given as an object or a JSON string. Returns a deep-frozen copy whose compiled
 * form is cached for `matchesEventPattern`. Throws `InvalidEventPatternError` for invalid patterns.
 */
export function parseEventPattern(pattern: unknown): EventPattern {
  let value = pattern;
  if (typeof pattern === 'string') {
    try {
      value = JSON.parse(pattern);
    } catch (error) {
      fail('', `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  if (!isJsonObject(value)) fail('', 'the pattern must be a JSON object');
  const compiled = compileObject(value, '', false);
  const copy = freezeCopy(value) as EventPattern;
  compiledPatterns.set(copy, compiled);
  return copy;
}

/**
 * Whether `event` matches `pattern`. Patterns from `parseEventPattern` are matched without re-validation;
 * other objects are validated on every call (and throw `InvalidEventPatternError` if invalid).
 * An event that is not a JSON object matches nothing.
 */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  let compiled = compiledPatterns.get(pattern);
  if (compiled === undefined) {
    if (!isJsonObject(pattern)) fail('', 'the pattern must be a JSON object');
    compiled = compileObject(pattern, '', false);
  }
  return isJsonObject(event) && matchesObject(compiled, event);
}

// ---------------------------------------------------------------------------------------------------------
// Matching

function matchesObject(pattern: CompiledPattern, object: JsonObject): boolean {
  for (const rule of pattern) {
    if (!matchesRule(rule, object)) return false;
  }
  return true;
}

function matchesRule(rule: FieldRule, object: JsonObject): boolean {
  switch (rule.kind) {
    case 'leaf':
      return matchesField(rule.matcher, fieldValue(object, rule.key));
    case 'object':
      return objectCandidates(fieldValue(object, rule.key)).some((item) => matchesObject(rule.pattern, item));
    case 'or':
      return rule.alternatives.some((alternative) => matchesObject(alternative, object));
  }
}

/**
 * Only leaf values (strings, numbers, booleans, null) count; an array counts as each of its leaf elements
 * (nested arrays flattened) and an object is not a leaf, so `exists` only sees leaves.
 */
function matchesField(matcher: LeafMatcher, value: unknown): boolean {
  if (isLeaf(value)) return matcher.matchesPresent || matcher.test(value);
  if (!Array.isArray(value)) return matcher.matchesAbsent;
  const leaves: Leaf[] = [];
  collectLeaves(value, leaves);
  if (leaves.length === 0) return matcher.matchesAbsent;
  return matcher.matchesPresent || leaves.some(matcher.test);
}

function collectLeaves(values: readonly unknown[], into: Leaf[]): void {
  for (const value of values) {
    if (isLeaf(value)) into.push(value);
    else if (Array.isArray(value)) collectLeaves(value, into);
  }
}

/**
 * The objects a nested pattern is matched against: the object itself, or each object of an array (so all
 * fields must match within the same element). Without any object, the nested fields are all missing.
 */
function objectCandidates(value: unknown): readonly JsonObject[] {
  if (isJsonObject(value)) return [value];
  if (Array.isArray(value)) {
    const objects: JsonObject[] = [];
    collectObjects(value, objects);
    if (objects.length > 0) return objects;
  }
  return [EMPTY_OBJECT];
}

function collectObjects(values: readonly unknown[], into: JsonObject[]): void {
  for (const value of values) {
    if (isJsonObject(value)) into.push(value);
    else if (Array.isArray(value)) collectObjects(value, into);
  }
}

function fieldValue(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Compilation and validation

function compileObject(object: JsonObject, path: string, insideOr: boolean): CompiledPattern {
  const keys = Object.keys(object);
  if (keys.length === 0) fail(path, 'empty objects are not allowed');
  const rules: FieldRule[] = [];
  for (const key of keys) {
    const value = object[key];
    const keyPath = path === '' ? key : `${path}.${key}`;
    if (key === OR_KEY) {
      rules.push({ kind: 'or', alternatives: compileOr(value, keyPath) });
    } else if (insideOr && MATCH_OPERATORS.has(key)) {
      fail(keyPath, `"${key}" is a match operator and cannot be used as a field name inside $or`);
    } else if (Array.isArray(value)) {
      rules.push({ kind: 'leaf', key, matcher: compileLeaf(value, keyPath) });
    } else if (isJsonObject(value)) {
      rules.push({ kind: 'object', key, pattern: compileObject(value, keyPath, insideOr) });
    } else {
      fail(keyPath, `"${key}" must be an object or an array`);
    }
  }
  return rules;
}

function compileOr(value: unknown, path: string): CompiledPattern[] {
  if (!Array.isArray(value) || value.length < 2) {
    fail(path, '$or must be an array of at least two pattern objects');
  }
  return value.map((alternative: unknown, index) => {
    const itemPath = `${path}[${index}]`;
    if (!isJsonObject(alternative)) fail(itemPath, 'each $or alternative must be a pattern object');
    return compileObject(alternative, itemPath, true);
  });
}

function compileLeaf(values: readonly unknown[], path: string): LeafMatcher {
  if (values.length === 0) fail(path, 'empty arrays are not allowed');
  const exact = new Set<Leaf>();
  const tests: LeafTest[] = [];
  let matchesAbsent = false;
  let matchesPresent = false;
  values.forEach((value, index) => {
    const itemPath = `${path}[${index}]`;
    if (isJsonObject(value)) {
      const condition = compileMatchExpression(value, itemPath);
      if (typeof condition === 'boolean') {
        if (condition) matchesPresent = true;
        else matchesAbsent = true;
      } else {
        tests.push(condition);
      }
    } else if (isLeaf(value)) {
      exact.add(value);
    } else {
      fail(
        itemPath,
        'a match value must be a string, number, true, false, null or a match expression object',
      );
    }
  });
  const test: LeafTest =
    tests.length === 0
      ? (value) => exact.has(value)
      : (value) => exact.has(value) || tests.some((condition) => condition(value));
  return { matchesAbsent, matchesPresent, test };
}

/** Returns the `exists` flag for `{"exists": ...}`, otherwise a test of one leaf value. */
function compileMatchExpression(expression: JsonObject, path: string): LeafTest | boolean {
  const keys = Object.keys(expression);
  const operator = keys[0];
  if (operator === undefined || keys.length !== 1) {
    fail(path, `a match expression must have exactly one operator, found ${keys.length}`);
  }
  const value = expression[operator];
  const operatorPath = `${path}.${operator}`;
  switch (operator) {
    case 'prefix':
      return compileAffix('prefix', value, operatorPath);
    case 'suffix':
      return compileAffix('suffix', value, operatorPath);
    case 'equals-ignore-case': {
      const expected = requireString(value, operatorPath, 'equals-ignore-case').toLowerCase();
      return (leaf) => typeof leaf === 'string' && leaf.toLowerCase() === expected;
    }
    case 'wildcard': {
      const parts = compileWildcard(value, operatorPath);
      return (leaf) => typeof leaf === 'string' && matchesWildcard(parts, leaf);
    }
    case 'anything-but':
      return compileAnythingBut(value, operatorPath);
    case 'numeric':
      return compileNumeric(value, operatorPath);
    case 'exists':
      if (typeof value !== 'boolean') fail(operatorPath, 'exists must be true or false');
      return value;
    case 'cidr':
      return compileCidr(value, operatorPath);
    default:
      return fail(operatorPath, `unrecognized match type "${operator}"`);
  }
}

/** `{"prefix": "x"}`, `{"prefix": {"equals-ignore-case": "x"}}` and the same for suffix. */
function compileAffix(operator: 'prefix' | 'suffix', value: unknown, path: string): LeafTest {
  const ends = operator === 'prefix' ? startsWith : endsWith;
  if (typeof value === 'string') return (leaf) => typeof leaf === 'string' && ends(leaf, value);
  if (isJsonObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === 'equals-ignore-case') {
      const expected = requireString(
        value['equals-ignore-case'],
        `${path}.equals-ignore-case`,
        'equals-ignore-case',
      );
      const lower = expected.toLowerCase();
      return (leaf) => typeof leaf === 'string' && ends(leaf.toLowerCase(), lower);
    }
  }
  return fail(path, `${operator} must be a string or {"equals-ignore-case": string}`);
}

function compileAnythingBut(value: unknown, path: string): LeafTest {
  if (typeof value === 'string' || isFiniteNumber(value)) return (leaf) => leaf !== value;
  if (Array.isArray(value)) {
    if (value.length === 0) fail(path, 'anything-but list must not be empty');
    const kind = typeof value[0];
    value.forEach((item: unknown, index) => {
      if (!(typeof item === 'string' || isFiniteNumber(item)) || typeof item !== kind) {
        fail(`${path}[${index}]`, 'anything-but list must contain only strings or only numbers');
      }
    });
    const excluded = new Set<unknown>(value);
    return (leaf) => !excluded.has(leaf);
  }
  if (isJsonObject(value)) {
    const keys = Object.keys(value);
    const operator = keys[0];
    if (operator === undefined || keys.length !== 1) {
      fail(path, 'anything-but object must have exactly one of prefix, suffix, equals-ignore-case, wildcard');
    }
    const operatorPath = `${path}.${operator}`;
    const operand = value[operator];
    switch (operator) {
      case 'prefix':
      case 'suffix': {
        const ends = operator === 'prefix' ? startsWith : endsWith;
        const affixes = stringOrStrings(operand, operatorPath, operator);
        affixes.forEach((affix, index) => {
          if (affix === '') fail(itemPath(operand, operatorPath, index), `${operator} must not be empty`);
        });
        return (leaf) => typeof leaf !== 'string' || !affixes.some((affix) => ends(leaf, affix));
      }
      case 'equals-ignore-case': {
        const excluded = new Set(
          stringOrStrings(operand, operatorPath, operator).map((s) => s.toLowerCase()),
        );
        return (leaf) => typeof leaf !== 'string' || !excluded.has(leaf.toLowerCase());
      }
      case 'wildcard': {
        const globs = stringOrStrings(operand, operatorPath, operator).map((glob, index) =>
          compileWildcard(glob, itemPath(operand, operatorPath, index)),
        );
        return (leaf) => typeof leaf !== 'string' || !globs.some((parts) => matchesWildcard(parts, leaf));
      }
      default:
        return fail(operatorPath, `unsupported anything-but pattern "${operator}"`);
    }
  }
  return fail(
    path,
    'anything-but must be a string, a number, a list of strings or of numbers, ' +
      'or an object with prefix, suffix, equals-ignore-case or wildcard',
  );
}

function stringOrStrings(value: unknown, path: string, operator: string): readonly string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) {
    if (value.length === 0) fail(path, `${operator} list must not be empty`);
    return value.map((item: unknown, index) => requireString(item, `${path}[${index}]`, operator));
  }
  return fail(path, `${operator} must be a string or a list of strings`);
}

function itemPath(operand: unknown, path: string, index: number): string {
  return Array.isArray(operand) ? `${path}[${index}]` : path;
}

const NUMERIC_OPERATORS: ReadonlySet<string> = new Set(['=', '<', '<=', '>', '>=']);

/** `["=", 3]`, `["<", 10]`, `[">", 0, "<=", 5]`: a single comparison or a lower bound then an upper bound. */
function compileNumeric(value: unknown, path: string): LeafTest {
  if (!Array.isArray(value)) fail(path, 'numeric must be an array such as [">", 0, "<=", 5]');
  if (value.length === 0) fail(path, 'numeric must not be empty');
  const first = numericOperator(value[0], `${path}[0]`, NUMERIC_OPERATORS);
  const firstValue = numericOperand(value[1], `${path}[1]`, first);
  const firstTest = comparison(first, firstValue);
  if (value.length === 2) return (leaf) => typeof leaf === 'number' && firstTest(leaf);
  if (first !== '>' && first !== '>=') {
    fail(`${path}[2]`, `too many elements: only ">" or ">=" can be followed by an upper bound`);
  }
  const second = numericOperator(value[2], `${path}[2]`, UPPER_BOUND_OPERATORS);
  const secondValue = numericOperand(value[3], `${path}[3]`, second);
  if (secondValue <= firstValue) fail(`${path}[3]`, 'the upper bound must be greater than the lower bound');
  if (value.length > 4) fail(`${path}[4]`, 'too many elements in numeric range');
  const secondTest = comparison(second, secondValue);
  return (leaf) => typeof leaf === 'number' && firstTest(leaf) && secondTest(leaf);
}

const UPPER_BOUND_OPERATORS: ReadonlySet<string> = new Set(['<', '<=']);

function numericOperator(value: unknown, path: string, allowed: ReadonlySet<string>): string {
  if (typeof value !== 'string' || !allowed.has(value)) {
    fail(path, `expected a numeric operator (${[...allowed].join(' ')}), found ${describe(value)}`);
  }
  return value;
}

function numericOperand(value: unknown, path: string, operator: string): number {
  if (!isFiniteNumber(value)) fail(path, `value of ${operator} must be a number, found ${describe(value)}`);
  return value;
}

function comparison(operator: string, operand: number): (value: number) => boolean {
  switch (operator) {
    case '=':
      return (value) => value === operand;
    case '<':
      return (value) => value < operand;
    case '<=':
      return (value) => value <= operand;
    case '>':
      return (value) => value > operand;
    default:
      return (value) => value >= operand;
  }
}

/**
 * Splits a wildcard on unescaped `*` into literal parts. `\*` is a literal star and `\\` a literal backslash;
 * any other escape and consecutive wildcards are rejected, as documented.
 */
function compileWildcard(value: unknown, path: string): readonly string[] {
  const pattern = requireString(value, path, 'wildcard');
  const parts: string[] = [];
  let current = '';
  let previousWasWildcard = false;
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index];
    if (char === '\\') {
      const next = pattern[index + 1];
      if (next !== '*' && next !== '\\') {
        fail(path, `invalid escape at index ${index}: only \\* and \\\\ are allowed`);
      }
      current += next;
      index++;
      previousWasWildcard = false;
    } else if (char === '*') {
      if (previousWasWildcard) fail(path, `consecutive wildcard characters at index ${index}`);
      parts.push(current);
      current = '';
      previousWasWildcard = true;
    } else {
      current += char;
      previousWasWildcard = false;
    }
  }
  parts.push(current);
  return parts;
}

/** `*` matches any run of characters, including none. Leftmost placement of middle parts is optimal. */
function matchesWildcard(parts: readonly string[], text: string): boolean {
  const first = parts[0] ?? '';
  if (parts.length === 1) return text === first;
  const last = parts[parts.length - 1] ?? '';
  const end = text.length - last.length;
  if (end < first.length || !text.startsWith(first) || !text.endsWith(last)) return false;
  let position = first.length;
  for (let index = 1; index < parts.length - 1; index++) {
    const part = parts[index] ?? '';
    const found = text.indexOf(part, position);
    if (found === -1 || found + part.length > end) return false;
    position = found + part.length;
  }
  return true;
}

function compileCidr(value: unknown, path: string): LeafTest {
  const cidr = requireString(value, path, 'cidr');
  const slash = cidr.indexOf('/');
  const bitsText = cidr.slice(slash + 1);
  if (slash === -1 || !/^\d{1,3}$/.test(bitsText)) {
    fail(path, `"${cidr}" is not a CIDR block such as "10.0.0.0/24"`);
  }
  const network = parseIp(cidr.slice(0, slash));
  if (network === undefined) fail(path, `"${cidr.slice(0, slash)}" is not an IPv4 or IPv6 address`);
  const bits = Number(bitsText);
  if (bits > network.length * 8) fail(path, `prefix length ${bits} is too long for "${cidr}"`);
  return (leaf) => {
    if (typeof leaf !== 'string') return false;
    const address = parseIp(leaf);
    return address !== undefined && address.length === network.length && sharesPrefix(address, network, bits);
  };
}

function sharesPrefix(address: readonly number[], network: readonly number[], bits: number): boolean {
  const fullBytes = Math.floor(bits / 8);
  for (let index = 0; index < fullBytes; index++) {
    if (address[index] !== network[index]) return false;
  }
  const rest = bits % 8;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((address[fullBytes] ?? 0) & mask) === ((network[fullBytes] ?? 0) & mask);
}

const IPV4_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const IPV6_GROUP_PATTERN = /^[0-9a-fA-F]{1,4}$/;

/** The address as 4 (IPv4) or 16 (IPv6) bytes, or undefined. */
function parseIp(text: string): number[] | undefined {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

function parseIpv4(text: string): number[] | undefined {
  const match = IPV4_PATTERN.exec(text);
  if (match === null) return undefined;
  const bytes = match.slice(1).map(Number);
  return bytes.every((byte) => byte <= 255) ? bytes : undefined;
}

function parseIpv6(text: string): number[] | undefined {
  const gap = text.indexOf('::');
  if (gap !== -1 && text.indexOf('::', gap + 1) !== -1) return undefined;
  const head = parseIpv6Groups(gap === -1 ? text : text.slice(0, gap), gap === -1);
  const tail = gap === -1 ? [] : parseIpv6Groups(text.slice(gap + 2), true);
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (gap === -1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
}

function parseIpv6Groups(text: string, ipv4Allowed: boolean): number[] | undefined {
  if (text === '') return [];
  const pieces = text.split(':');
  const groups: number[] = [];
  for (const [index, piece] of pieces.entries()) {
    if (ipv4Allowed && index === pieces.length - 1 && piece.includes('.')) {
      const ipv4 = parseIpv4(piece);
      if (ipv4 === undefined) return undefined;
      const [a = 0, b = 0, c = 0, d = 0] = ipv4;
      groups.push((a << 8) | b, (c << 8) | d);
    } else if (IPV6_GROUP_PATTERN.test(piece)) {
      groups.push(Number.parseInt(piece, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

function startsWith(text: string, prefix: string): boolean {
  return text.startsWith(prefix);
}

function endsWith(text: string, suffix: string): boolean {
  return text.endsWith(suffix);
}

function requireString(value: unknown, path: string, operator: string): string {
  if (typeof value !== 'string') fail(path, `${operator} must be a string, found ${describe(value)}`);
  return value;
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLeaf(value: unknown): value is Leaf {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || isFiniteNumber(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (isJsonObject(value)) return 'an object';
  return JSON.stringify(value) ?? String(value);
}

function freezeCopy(value: unknown): unknown {
  if (Array.isArray(value)) return Object.freeze(value.map(freezeCopy));
  if (isJsonObject(value)) {
    return Object.freeze(Object.fromEntries(Object.keys(value).map((key) => [key, freezeCopy(value[key])])));
  }
  return value;
}

function fail(path: string, reason: string): never {
  throw new InvalidEventPatternError(path, reason);
}
