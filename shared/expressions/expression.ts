// The expression language of `condition` tasks: a hand-written tokenizer, a Pratt parser that builds a plain
// AST, and an evaluator that walks it. Nothing here hands user text to eval, Function or a RegExp, so an
// expression can only compute over the values of its context, never run code or reach the host.
//
// Grammar, loosest binding first (binary operators are left-associative unless noted):
//   expression := or ( '?' expression ':' expression )?                          right-associative
//   or         := and ( ( '||' | 'or' ) and )*
//   and        := not ( ( '&&' | 'and' ) not )*
//   not        := ( '!' | 'not' ) not | equality
//   equality   := relation ( ( '==' | '!=' ) relation )*
//   relation   := sum ( ( '<' | '<=' | '>' | '>=' | 'in' | 'not' 'in' ) sum )?   does not chain
//   sum        := product ( ( '+' | '-' ) product )*
//   product    := unary ( ( '*' | '/' | '%' ) unary )*
//   unary      := '-' unary | postfix
//   postfix    := primary ( '.' name | '[' expression ']' )*
//   primary    := number | string | 'true' | 'false' | 'null' | '[' list? ']' | name '(' list? ')'
//               | name | '(' expression ')'
//   list       := expression ( ',' expression )*
// `not a == b` is `not (a == b)`, as in Python; a '!' or 'not' may still open an operand (`a == !b`).
// `a < b < c` is a syntax error rather than a comparison of a boolean with a number. Only the built-in
// functions can be called, by bare name: `x.f()` is a syntax error. After '.', any name is a property,
// keywords included (`outputs.check.not`); names that are not identifiers use brackets: `outputs['my-task']`.
// Numbers: 12, 1.5, 2e-3 (no leading '.', no hex). Strings: '…' or "…" with \n \t \r \\ \' \" \uXXXX.
//
// Values are those of JSON: null, booleans, numbers, strings, arrays, objects.
// - A missing property or an index out of range is null; reading a property of null is null too (so
//   `default(outputs.extract.stats.rows, 0)` works when `stats` is absent), unless `strictAccess` is set.
//   Reading a property of a number, string or boolean, or a name (`length`) of an array, is an error.
//   Only own data properties are read: `constructor`, `__proto__` and `toString` are missing, like any
//   other absent key, and no getter runs.
// - `==` and `!=` never coerce and compare arrays and objects deeply; `<`, `<=`, `>`, `>=` need two numbers
//   or two strings (UTF-16 order, as in JavaScript). `+` adds numbers or joins strings, never one with the
//   other; `- * / %` need numbers (`%` keeps the dividend's sign); dividing by zero or overflowing to an
//   infinite number is an error, since JSON cannot carry the result.
// - `x in y`: an element of an array (deep equality), a substring of a string, or a key of an object.
// - `&&`, `||`, `!` and the test of `?:` accept booleans only, deliberately: JavaScript truthiness would let
//   `params.flag == 'true'` or `params.flg && …` (a typo, hence null) quietly pick a branch, while an error
//   naming the position catches them when the workflow first runs. `&&` and `||` short-circuit.
//
// Limits: source of at most MAX_EXPRESSION_LENGTH characters, nesting of at most MAX_NESTING_DEPTH levels
// (each parenthesis, bracket, call, prefix operator or ternary opens one), and MAX_EVALUATION_STEPS
// units of work per evaluation (a node visited, an element compared, a regular-expression state advanced).
//
// `matches(s, pattern)` runs its own regular-expression engine over an RE2-style subset rather than
// JavaScript's backtracking RegExp: the pattern compiles to a Thompson NFA that advances every state in
// lock-step, so matching takes time linear in the input for any pattern, and no pattern can be catastrophic.
// A heuristic "is this pattern safe" check was the alternative; it misses cases such as `\d*\d*\d*x`.
// Supported: literals, `.`, classes `[a-z_]`, `[^…]`, `\d \w \s \D \W \S`, `\b \B`, `^ $` (input start
// and end), groups `(…)` and `(?:…)`, `|`, `* + ?`, `{n}`, `{n,}`, `{n,m}` (n, m ≤ 1000), lazy forms
// (the laziness is irrelevant to a yes/no answer), escapes `\n \t \r \f \v` and of punctuation. Anything
// else (backreferences, lookaround, named groups, flags, `\p{…}`) is rejected, never reinterpreted. The
// match is a search, like RegExp.test: anchor with ^ and $ to match the whole string. Patterns are limited
// to MAX_PATTERN_LENGTH characters.
import { RondoError } from '../errors.ts';

export const MAX_EXPRESSION_LENGTH = 4_000;
export const MAX_NESTING_DEPTH = 64;
export const MAX_EVALUATION_STEPS = 1_000_000;
export const MAX_PATTERN_LENGTH = 200;
// `a{1000}` expands to a thousand states; more would make a 200-character pattern expensive per character.
const MAX_PATTERN_STATES = 2_000;
const MAX_REPEAT = 1_000;
// Deep equality, `in` and string() recurse through context values, which may come from any JSON output.
const MAX_VALUE_DEPTH = 256;
// '+' is the only operation whose result can outgrow its inputs; this bounds what repeated joins can build.
const MAX_STRING_LENGTH = 1_000_000;

/** The expression text is not in the language; `position` is the 0-based offset of the fault. */
export class ExpressionSyntaxError extends RondoError {
  readonly position: number;

  constructor(description: string, position: number) {
    super('INVALID_EXPRESSION', `${description} at ${position}`, false);
    this.name = 'ExpressionSyntaxError';
    this.position = position;
  }
}

/** A well-formed expression met values it cannot work on; `position` points at the offending part. */
export class ExpressionEvaluationError extends RondoError {
  readonly position: number;

  constructor(description: string, position: number) {
    super('EXPRESSION_ERROR', `${description} at ${position}`, false);
    this.name = 'ExpressionEvaluationError';
    this.position = position;
  }
}

const BINARY_OPERATORS = ['==', '!=', '<', '<=', '>', '>=', 'in', 'not in', '+', '-', '*', '/', '%'] as const;
export type BinaryOperator = (typeof BINARY_OPERATORS)[number];
const isBinaryOperator = (value: string): value is BinaryOperator =>
  (BINARY_OPERATORS as readonly string[]).includes(value);

// `start` is where the node's text begins; `at` is where its operator is, which error messages point to.
// `symbol` keeps the operator as written ('and' or '&&') so that messages quote the user's own text.
export type ExpressionNode =
  | { readonly kind: 'literal'; readonly start: number; readonly value: string | number | boolean | null }
  | { readonly kind: 'array'; readonly start: number; readonly items: readonly ExpressionNode[] }
  | { readonly kind: 'identifier'; readonly start: number; readonly name: string }
  | {
      readonly kind: 'member';
      readonly start: number;
      readonly at: number;
      readonly object: ExpressionNode;
      readonly key: ExpressionNode;
    }
  | {
      readonly kind: 'call';
      readonly start: number;
      readonly name: string;
      readonly args: readonly ExpressionNode[];
    }
  | {
      readonly kind: 'not' | 'negate';
      readonly start: number;
      readonly symbol: string;
      readonly operand: ExpressionNode;
    }
  | {
      readonly kind: 'logical';
      readonly start: number;
      readonly at: number;
      readonly op: '&&' | '||';
      readonly symbol: string;
      readonly left: ExpressionNode;
      readonly right: ExpressionNode;
    }
  | {
      readonly kind: 'binary';
      readonly start: number;
      readonly at: number;
      readonly op: BinaryOperator;
      readonly left: ExpressionNode;
      readonly right: ExpressionNode;
    }
  | {
      readonly kind: 'conditional';
      readonly start: number;
      readonly at: number;
      readonly test: ExpressionNode;
      readonly consequent: ExpressionNode;
      readonly alternate: ExpressionNode;
    };

type MemberNode = Extract<ExpressionNode, { kind: 'member' }>;
type CallNode = Extract<ExpressionNode, { kind: 'call' }>;
type BinaryNode = Extract<ExpressionNode, { kind: 'binary' }>;

/** A parsed expression: plain data, so it can be cached or stored next to the workflow. */
export type Expression = { readonly source: string; readonly root: ExpressionNode };

export type EvaluationOptions = {
  /** Reading a property of null is an error instead of null (a missing property is still null). */
  strictAccess?: boolean;
};

// ---------------------------------------------------------------------------------------------------------
// Tokenizer

// biome-ignore format: one token per line would hide the set.
const PUNCTS = [
  '(', ')', '[', ']', ',', '.', '?', ':', '+', '-', '*', '/', '%', '!',
  '==', '!=', '<', '<=', '>', '>=', '&&', '||',
] as const;
type Punct = (typeof PUNCTS)[number];

type Token =
  | { readonly kind: 'number'; readonly start: number; readonly value: number }
  | { readonly kind: 'string'; readonly start: number; readonly value: string }
  | { readonly kind: 'name'; readonly start: number; readonly value: string }
  | { readonly kind: 'punct'; readonly start: number; readonly value: Punct }
  | { readonly kind: 'end'; readonly start: number };

const TWO_CHAR_PUNCTS: ReadonlySet<string> = new Set(PUNCTS.filter((p) => p.length === 2));
const ONE_CHAR_PUNCTS: ReadonlySet<string> = new Set(PUNCTS.filter((p) => p.length === 1));
const STRING_ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  "'": "'",
  '"': '"',
};

const isDigit = (ch: string | undefined): boolean => ch !== undefined && ch >= '0' && ch <= '9';
const isHexDigit = (ch: string | undefined): boolean =>
  ch !== undefined && (isDigit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F'));
const isNameStart = (ch: string | undefined): boolean =>
  ch !== undefined && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch === '_');
const isNamePart = (ch: string | undefined): boolean => isNameStart(ch) || isDigit(ch);

function describeChar(source: string, at: number): string {
  const code = source.codePointAt(at) ?? 0;
  return code > 0x20 && code < 0x7f
    ? `'${String.fromCodePoint(code)}'`
    : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i += 1;
    } else if (isDigit(ch)) {
      i = readNumber(source, i, tokens);
    } else if (ch === "'" || ch === '"') {
      i = readString(source, i, tokens);
    } else if (isNameStart(ch)) {
      let end = i + 1;
      while (isNamePart(source[end])) end += 1;
      tokens.push({ kind: 'name', start: i, value: source.slice(i, end) });
      i = end;
    } else if (TWO_CHAR_PUNCTS.has(source.slice(i, i + 2))) {
      tokens.push({ kind: 'punct', start: i, value: source.slice(i, i + 2) as Punct });
      i += 2;
    } else if (ONE_CHAR_PUNCTS.has(ch)) {
      tokens.push({ kind: 'punct', start: i, value: ch as Punct });
      i += 1;
    } else if (ch === '=') {
      throw new ExpressionSyntaxError("expected '==' (a single '=' is not an operator)", i);
    } else if (ch === '&' || ch === '|') {
      throw new ExpressionSyntaxError(`expected '${ch}${ch}'`, i);
    } else {
      throw new ExpressionSyntaxError(`unexpected character ${describeChar(source, i)}`, i);
    }
  }
  tokens.push({ kind: 'end', start: source.length });
  return tokens;
}

function readNumber(source: string, start: number, tokens: Token[]): number {
  let i = start;
  while (isDigit(source[i])) i += 1;
  if (source[i] === '.') {
    i += 1;
    if (!isDigit(source[i])) throw new ExpressionSyntaxError('expected a digit after the decimal point', i);
    while (isDigit(source[i])) i += 1;
  }
  if (source[i] === 'e' || source[i] === 'E') {
    i += 1;
    if (source[i] === '+' || source[i] === '-') i += 1;
    if (!isDigit(source[i])) throw new ExpressionSyntaxError('expected a digit in the exponent', i);
    while (isDigit(source[i])) i += 1;
  }
  // `12px` or `1in [1]` is more likely a typo than a number followed by a name.
  if (isNamePart(source[i])) throw new ExpressionSyntaxError('expected an operator after the number', i);
  const value = Number(source.slice(start, i));
  if (!Number.isFinite(value)) throw new ExpressionSyntaxError('number is too large', start);
  tokens.push({ kind: 'number', start, value });
  return i;
}

function readString(source: string, start: number, tokens: Token[]): number {
  const quote = source[start]!;
  let value = '';
  let i = start + 1;
  for (;;) {
    const ch = source[i];
    if (ch === undefined) {
      throw new ExpressionSyntaxError(
        `unterminated string, expected a closing ${quote} for the string starting`,
        start,
      );
    }
    if (ch === quote) break;
    if (ch !== '\\') {
      value += ch;
      i += 1;
      continue;
    }
    const escaped = source[i + 1];
    if (escaped === undefined) {
      throw new ExpressionSyntaxError(
        `unterminated string, expected a closing ${quote} for the string starting`,
        start,
      );
    }
    const simple = Object.hasOwn(STRING_ESCAPES, escaped) ? STRING_ESCAPES[escaped] : undefined;
    if (simple !== undefined) {
      value += simple;
      i += 2;
    } else if (escaped === 'u') {
      const hex = source.slice(i + 2, i + 6);
      if (hex.length < 4 || ![...hex].every(isHexDigit)) {
        throw new ExpressionSyntaxError('expected four hex digits after \\u', i + 2);
      }
      value += String.fromCharCode(Number.parseInt(hex, 16));
      i += 6;
    } else {
      throw new ExpressionSyntaxError(
        `unknown escape \\${escaped}, expected one of \\n \\t \\r \\\\ \\' \\" \\uXXXX`,
        i,
      );
    }
  }
  tokens.push({ kind: 'string', start, value });
  return i + 1;
}

// ---------------------------------------------------------------------------------------------------------
// Parser

// Binding powers of the Pratt parser; an operator continues an operand while its power exceeds the caller's.
const TERNARY_POWER = 10;
const OR_POWER = 20;
const AND_POWER = 30;
const NOT_POWER = 40;
const EQUALITY_POWER = 50;
const RELATION_POWER = 60;
const SUM_POWER = 70;
const PRODUCT_POWER = 80;
const NEGATE_POWER = 90;
const POSTFIX_POWER = 100;

const PUNCT_POWERS: Partial<Readonly<Record<Punct, number>>> = {
  '?': TERNARY_POWER,
  '||': OR_POWER,
  '&&': AND_POWER,
  '==': EQUALITY_POWER,
  '!=': EQUALITY_POWER,
  '<': RELATION_POWER,
  '<=': RELATION_POWER,
  '>': RELATION_POWER,
  '>=': RELATION_POWER,
  '+': SUM_POWER,
  '-': SUM_POWER,
  '*': PRODUCT_POWER,
  '/': PRODUCT_POWER,
  '%': PRODUCT_POWER,
  '.': POSTFIX_POWER,
  '[': POSTFIX_POWER,
};
const NAME_POWERS: Readonly<Record<string, number>> = {
  or: OR_POWER,
  and: AND_POWER,
  in: RELATION_POWER,
  not: RELATION_POWER, // only as `not in`
};
const KEYWORDS: ReadonlySet<string> = new Set(['true', 'false', 'null', 'and', 'or', 'not', 'in']);

function infixPower(token: Token): number {
  if (token.kind === 'punct') return PUNCT_POWERS[token.value] ?? 0;
  if (token.kind === 'name') return Object.hasOwn(NAME_POWERS, token.value) ? NAME_POWERS[token.value]! : 0;
  return 0;
}

function describeToken(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end';
    case 'number':
      return 'a number';
    case 'string':
      return 'a string';
    default:
      return `'${token.value}'`;
  }
}

const RELATION_OPERATORS: ReadonlySet<BinaryOperator> = new Set(['<', '<=', '>', '>=', 'in', 'not in']);
const isRelation = (node: ExpressionNode): boolean =>
  node.kind === 'binary' && RELATION_OPERATORS.has(node.op);

class Parser {
  readonly tokens: readonly Token[];
  index = 0;
  depth = 0;

  constructor(tokens: readonly Token[]) {
    this.tokens = tokens;
  }

  peek(): Token {
    return this.tokens[this.index]!;
  }

  next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index += 1;
    return token;
  }

  isPunct(value: Punct): boolean {
    const token = this.peek();
    return token.kind === 'punct' && token.value === value;
  }

  expect(value: Punct, what = `'${value}'`): void {
    if (!this.isPunct(value)) throw new ExpressionSyntaxError(`expected ${what}`, this.peek().start);
    this.next();
  }

  /**
   * Parses one level deeper. Brackets, calls, prefix operators and ternaries nest; binary operators do
   * not, since a chain of them (`a + b + c`) loops, and a right operand recurses only into tighter levels.
   */
  nested<T>(opener: Token, parseInner: () => T): T {
    this.depth += 1;
    if (this.depth > MAX_NESTING_DEPTH) {
      throw new ExpressionSyntaxError(
        `expression nests deeper than ${MAX_NESTING_DEPTH} levels`,
        opener.start,
      );
    }
    const inner = parseInner();
    this.depth -= 1;
    return inner;
  }

  parse(rightPower: number): ExpressionNode {
    let left = this.prefix();
    for (;;) {
      const token = this.peek();
      // A call is parsed with its name, so '(' after a complete operand is `x.f()` or `(a)(b)`.
      if (token.kind === 'punct' && token.value === '(') {
        throw new ExpressionSyntaxError(
          "expected an operator ('(' calls only built-in functions, by bare name)",
          token.start,
        );
      }
      if (infixPower(token) <= rightPower) break;
      left = this.infix(left);
      if (isRelation(left) && infixPower(this.peek()) === RELATION_POWER) {
        throw new ExpressionSyntaxError(
          "comparisons do not chain, expected '&&' or '||' between them",
          this.peek().start,
        );
      }
    }
    return left;
  }

  prefix(): ExpressionNode {
    const token = this.next();
    const start = token.start;
    if (token.kind === 'number' || token.kind === 'string')
      return { kind: 'literal', start, value: token.value };
    if (token.kind === 'name') {
      switch (token.value) {
        case 'true':
          return { kind: 'literal', start, value: true };
        case 'false':
          return { kind: 'literal', start, value: false };
        case 'null':
          return { kind: 'literal', start, value: null };
        case 'not':
          return {
            kind: 'not',
            start,
            symbol: 'not',
            operand: this.nested(token, () => this.parse(NOT_POWER)),
          };
      }
      if (KEYWORDS.has(token.value)) {
        throw new ExpressionSyntaxError(`expected an expression but found '${token.value}'`, start);
      }
      if (!this.isPunct('(')) return { kind: 'identifier', start, name: token.value };
      this.next();
      return { kind: 'call', start, name: token.value, args: this.nested(token, () => this.list(')')) };
    }
    if (token.kind === 'punct') {
      switch (token.value) {
        case '(': {
          return this.nested(token, () => {
            const inner = this.parse(0);
            this.expect(')');
            return inner;
          });
        }
        case '[':
          return { kind: 'array', start, items: this.nested(token, () => this.list(']')) };
        case '!':
          return {
            kind: 'not',
            start,
            symbol: '!',
            operand: this.nested(token, () => this.parse(NOT_POWER)),
          };
        case '-':
          return {
            kind: 'negate',
            start,
            symbol: '-',
            operand: this.nested(token, () => this.parse(NEGATE_POWER)),
          };
      }
    }
    throw new ExpressionSyntaxError(`expected an expression but found ${describeToken(token)}`, start);
  }

  /** Comma-separated expressions up to `close`; the opening bracket is already consumed. */
  list(close: ')' | ']'): ExpressionNode[] {
    const items: ExpressionNode[] = [];
    if (this.isPunct(close)) {
      this.next();
      return items;
    }
    for (;;) {
      items.push(this.parse(0));
      if (this.isPunct(close)) break;
      this.expect(',', `',' or '${close}'`);
    }
    this.next();
    return items;
  }

  infix(left: ExpressionNode): ExpressionNode {
    const token = this.next();
    const at = token.start;
    const start = left.start;
    if (token.kind === 'name') {
      if (token.value === 'or' || token.value === 'and') {
        const op = token.value === 'or' ? '||' : '&&';
        const right = this.parse(infixPower(token));
        return { kind: 'logical', start, at, op, symbol: token.value, left, right };
      }
      if (token.value === 'not') {
        const after = this.peek();
        if (after.kind !== 'name' || after.value !== 'in') {
          throw new ExpressionSyntaxError("expected 'in' after 'not'", after.start);
        }
        this.next();
        return { kind: 'binary', start, at, op: 'not in', left, right: this.parse(RELATION_POWER) };
      }
      return { kind: 'binary', start, at, op: 'in', left, right: this.parse(RELATION_POWER) };
    }
    if (token.kind !== 'punct') throw new ExpressionSyntaxError('expected an operator', at);
    switch (token.value) {
      case '?': {
        return this.nested(token, () => {
          const consequent = this.parse(0);
          this.expect(':', "':' of the conditional");
          // One less than its own power makes `a ? b : c ? d : e` group to the right.
          const alternate = this.parse(TERNARY_POWER - 1);
          return { kind: 'conditional', start, at, test: left, consequent, alternate };
        });
      }
      case '||':
      case '&&':
        return {
          kind: 'logical',
          start,
          at,
          op: token.value,
          symbol: token.value,
          left,
          right: this.parse(infixPower(token)),
        };
      case '.': {
        const name = this.next();
        if (name.kind !== 'name')
          throw new ExpressionSyntaxError("expected a property name after '.'", name.start);
        return {
          kind: 'member',
          start,
          at,
          object: left,
          key: { kind: 'literal', start: name.start, value: name.value },
        };
      }
      case '[': {
        return this.nested(token, () => {
          const key = this.parse(0);
          this.expect(']');
          return { kind: 'member', start, at, object: left, key };
        });
      }
      default: {
        const op = token.value;
        if (!isBinaryOperator(op)) throw new ExpressionSyntaxError('expected an operator', at);
        return { kind: 'binary', start, at, op, left, right: this.parse(infixPower(token)) };
      }
    }
  }
}

/** Parses `source` into an AST; a fault is an ExpressionSyntaxError naming what was expected, and where. */
export function parseExpression(source: string): Expression {
  if (source.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionSyntaxError(
      `expression is longer than ${MAX_EXPRESSION_LENGTH} characters`,
      MAX_EXPRESSION_LENGTH,
    );
  }
  const parser = new Parser(tokenize(source));
  const root = parser.parse(0);
  const rest = parser.peek();
  if (rest.kind !== 'end') {
    throw new ExpressionSyntaxError(
      `expected an operator or the end of the expression but found ${describeToken(rest)}`,
      rest.start,
    );
  }
  return { source, root };
}

// ---------------------------------------------------------------------------------------------------------
// References

/**
 * The context names an expression reads, for checks at save time. `paths` holds each access chain from a
 * root name up to its first key that is not a name or a string literal: `outputs['my-task'].rows[0]` gives
 * ['outputs', 'my-task', 'rows']. Both lists keep the order of first appearance, without repeats; function
 * names are not roots.
 */
export function referencedRoots(expression: Expression): { identifiers: string[]; paths: string[][] } {
  const identifiers: string[] = [];
  const paths: string[][] = [];
  const seenPaths = new Set<string>();
  const record = (path: string[]): void => {
    if (!identifiers.includes(path[0]!)) identifiers.push(path[0]!);
    const key = JSON.stringify(path);
    if (!seenPaths.has(key)) {
      seenPaths.add(key);
      paths.push(path);
    }
  };
  const visit = (node: ExpressionNode): void => {
    switch (node.kind) {
      case 'literal':
        return;
      case 'identifier':
      case 'member': {
        const chain: Array<MemberNode> = [];
        let base: ExpressionNode = node;
        while (base.kind === 'member') {
          chain.unshift(base);
          base = base.object;
        }
        if (base.kind === 'identifier') {
          const path = [base.name];
          for (const link of chain) {
            if (link.key.kind !== 'literal' || typeof link.key.value !== 'string') break;
            path.push(link.key.value);
          }
          record(path);
        } else {
          visit(base);
        }
        for (const link of chain) visit(link.key);
        return;
      }
      case 'array':
        for (const item of node.items) visit(item);
        return;
      case 'call':
        for (const arg of node.args) visit(arg);
        return;
      case 'not':
      case 'negate':
        visit(node.operand);
        return;
      case 'logical':
      case 'binary':
        visit(node.left);
        visit(node.right);
        return;
      case 'conditional':
        visit(node.test);
        visit(node.consequent);
        visit(node.alternate);
        return;
    }
  };
  visit(expression.root);
  return { identifiers, paths };
}

// ---------------------------------------------------------------------------------------------------------
// Evaluation

function typeOf(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

const isRecord = (value: unknown): value is object =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Own enumerable data properties only: an accessor would run code, and inherited members are not data. */
function ownValue(object: object, key: string): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(object, key);
  return descriptor?.enumerable === true && 'value' in descriptor ? descriptor.value : undefined;
}

function fail(description: string, position: number): never {
  throw new ExpressionEvaluationError(description, position);
}

class Evaluation {
  readonly context: Record<string, unknown>;
  readonly strictAccess: boolean;
  steps = 0;

  constructor(context: Record<string, unknown>, options: EvaluationOptions) {
    this.context = context;
    this.strictAccess = options.strictAccess ?? false;
  }

  charge(units: number, at: number): void {
    this.steps += units;
    if (this.steps > MAX_EVALUATION_STEPS)
      fail(`evaluation takes more than ${MAX_EVALUATION_STEPS} steps`, at);
  }

  /** Context values enter here: undefined reads as null, and values JSON cannot hold are refused. */
  admit(value: unknown, at: number): unknown {
    if (value === undefined) return null;
    const type = typeof value;
    if (type === 'function' || type === 'symbol' || type === 'bigint') {
      fail(`the context holds a ${type}, which expressions cannot use`, at);
    }
    return value;
  }

  evaluate(node: ExpressionNode): unknown {
    this.charge(1, node.start);
    switch (node.kind) {
      case 'literal':
        return node.value;
      case 'array':
        return node.items.map((item) => this.evaluate(item));
      case 'identifier':
        return this.admit(ownValue(this.context, node.name), node.start);
      case 'member':
        return this.member(this.evaluate(node.object), this.evaluate(node.key), node);
      case 'call':
        return this.call(node);
      case 'not':
        return !this.boolean(this.evaluate(node.operand), `'${node.symbol}'`, node.operand);
      case 'negate': {
        const value = this.evaluate(node.operand);
        if (typeof value !== 'number') fail(`unary '-' needs a number, got ${typeOf(value)}`, node.start);
        return value === 0 ? 0 : -value;
      }
      case 'logical': {
        const what = `'${node.symbol}'`;
        const left = this.boolean(this.evaluate(node.left), what, node.left);
        if (node.op === '&&' ? !left : left) return left;
        return this.boolean(this.evaluate(node.right), what, node.right);
      }
      case 'conditional': {
        const test = this.boolean(this.evaluate(node.test), "the condition of '?'", node.test);
        return this.evaluate(test ? node.consequent : node.alternate);
      }
      case 'binary':
        return this.binary(node, this.evaluate(node.left), this.evaluate(node.right));
    }
  }

  boolean(value: unknown, what: string, operand: ExpressionNode): boolean {
    if (typeof value !== 'boolean') fail(`${what} needs a boolean, got ${typeOf(value)}`, operand.start);
    return value;
  }

  member(object: unknown, key: unknown, node: MemberNode): unknown {
    const at = node.at;
    if (object === null) {
      if (this.strictAccess) fail(`cannot read ${describeKey(key)} of null`, at);
      return null;
    }
    if (Array.isArray(object)) {
      if (typeof key !== 'number') {
        fail(`arrays are indexed by position, not by ${describeKey(key)} (len(x) gives the length)`, at);
      }
      if (!Number.isInteger(key)) fail(`array index ${key} is not an integer`, at);
      return key >= 0 && key < object.length ? this.admit(object[key], at) : null;
    }
    if (isRecord(object)) {
      if (typeof key === 'number' && Number.isInteger(key))
        return this.admit(ownValue(object, String(key)), at);
      if (typeof key !== 'string') fail(`object keys are strings, got ${typeOf(key)}`, at);
      return this.admit(ownValue(object, key), at);
    }
    return fail(`cannot read ${describeKey(key)} of a ${typeOf(object)}`, at);
  }

  binary(node: BinaryNode, left: unknown, right: unknown): unknown {
    const at = node.at;
    switch (node.op) {
      case '==':
        return this.equal(left, right, 0, at);
      case '!=':
        return !this.equal(left, right, 0, at);
      case 'in':
        return this.contains(right, left, "'in'", at);
      case 'not in':
        return !this.contains(right, left, "'not in'", at);
      case '<':
      case '<=':
      case '>':
      case '>=':
        return compare(node.op, left, right, at);
      case '+':
        if (typeof left === 'string' && typeof right === 'string') {
          if (left.length + right.length > MAX_STRING_LENGTH) {
            fail(`'+' would build a string longer than ${MAX_STRING_LENGTH} characters`, at);
          }
          return left + right;
        }
        if (typeof left !== 'number' || typeof right !== 'number') {
          fail(`'+' adds two numbers or joins two strings, got ${typeOf(left)} and ${typeOf(right)}`, at);
        }
        return finite(left + right, at);
      default:
        return arithmetic(node.op, left, right, at);
    }
  }

  /** Strict, deep equality: no coercion, arrays element by element, objects by their own keys. */
  equal(left: unknown, right: unknown, depth: number, at: number): boolean {
    this.charge(1, at);
    if (depth > MAX_VALUE_DEPTH) fail(`values nest deeper than ${MAX_VALUE_DEPTH} levels`, at);
    if (left === right || (left == null && right == null)) return true;
    if (Array.isArray(left) && Array.isArray(right)) {
      return (
        left.length === right.length && left.every((item, i) => this.equal(item, right[i], depth + 1, at))
      );
    }
    if (isRecord(left) && isRecord(right)) {
      const keys = Object.keys(left);
      if (keys.length !== Object.keys(right).length) return false;
      return keys.every(
        (key) =>
          Object.hasOwn(right, key) && this.equal(ownValue(left, key), ownValue(right, key), depth + 1, at),
      );
    }
    return false;
  }

  contains(container: unknown, item: unknown, what: string, at: number): boolean {
    if (Array.isArray(container)) {
      return container.some((element) => this.equal(element, item, 0, at));
    }
    if (typeof container === 'string') {
      if (typeof item !== 'string') fail(`${what} looks for a string in a string, got ${typeOf(item)}`, at);
      return container.includes(item);
    }
    if (isRecord(container)) {
      if (typeof item !== 'string')
        fail(`${what} looks for a string key in an object, got ${typeOf(item)}`, at);
      return ownValue(container, item) !== undefined;
    }
    return fail(`${what} needs an array, a string or an object, got ${typeOf(container)}`, at);
  }

  call(node: CallNode): unknown {
    const spec = FUNCTIONS.get(node.name);
    if (spec === undefined) {
      fail(`unknown function '${node.name}' (known: ${[...FUNCTIONS.keys()].sort().join(', ')})`, node.start);
    }
    const count = node.args.length;
    if (count < spec.min || count > spec.max) {
      fail(`'${node.name}' takes ${arity(spec)}, got ${count}`, node.start);
    }
    const values = node.args.map((arg) => this.evaluate(arg));
    return spec.call({ name: node.name, values, nodes: node.args, at: node.start, run: this });
  }

  /** JSON text of a value, written here so that no toJSON method or getter of the context runs. */
  serialize(value: unknown, depth: number, at: number): string {
    this.charge(1, at);
    if (depth > MAX_VALUE_DEPTH) fail(`values nest deeper than ${MAX_VALUE_DEPTH} levels`, at);
    if (value === null || value === undefined) return 'null';
    if (typeof value === 'string') return JSON.stringify(value);
    if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
    if (typeof value === 'boolean') return String(value);
    if (Array.isArray(value))
      return `[${value.map((item) => this.serialize(item, depth + 1, at)).join(',')}]`;
    if (isRecord(value)) {
      const entries = Object.keys(value).map(
        (key) => `${JSON.stringify(key)}:${this.serialize(ownValue(value, key), depth + 1, at)}`,
      );
      return `{${entries.join(',')}}`;
    }
    return fail(`cannot turn a ${typeof value} into a string`, at);
  }
}

function describeKey(key: unknown): string {
  if (typeof key === 'string') return `property '${key}'`;
  if (typeof key === 'number') return `index ${key}`;
  return `a ${typeOf(key)} key`;
}

function finite(value: number, at: number): number {
  if (!Number.isFinite(value)) fail('the result is not a finite number', at);
  return value;
}

function compare(op: '<' | '<=' | '>' | '>=', left: unknown, right: unknown, at: number): boolean {
  const numbers = typeof left === 'number' && typeof right === 'number';
  const strings = typeof left === 'string' && typeof right === 'string';
  if (!numbers && !strings) {
    fail(`'${op}' compares two numbers or two strings, got ${typeOf(left)} and ${typeOf(right)}`, at);
  }
  const a = left as number | string;
  const b = right as number | string;
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

function arithmetic(op: '-' | '*' | '/' | '%', left: unknown, right: unknown, at: number): number {
  if (typeof left !== 'number' || typeof right !== 'number') {
    fail(`'${op}' needs two numbers, got ${typeOf(left)} and ${typeOf(right)}`, at);
  }
  if ((op === '/' || op === '%') && right === 0) fail(`'${op}' by zero`, at);
  switch (op) {
    case '-':
      return finite(left - right, at);
    case '*':
      return finite(left * right, at);
    case '/':
      return finite(left / right, at);
    case '%':
      return left % right;
  }
}

/** Evaluates a parsed expression against its context (typically `{ params, outputs }`). */
export function evaluateExpression(
  expression: Expression,
  context: Record<string, unknown>,
  options: EvaluationOptions = {},
): unknown {
  return new Evaluation(context, options).evaluate(expression.root);
}

// ---------------------------------------------------------------------------------------------------------
// Functions: a fixed allow-list, looked up in a Map so that no inherited name (`constructor`) is callable.

type Call = {
  readonly name: string;
  readonly values: readonly unknown[];
  readonly nodes: readonly ExpressionNode[];
  readonly at: number;
  readonly run: Evaluation;
};
type FunctionSpec = { readonly min: number; readonly max: number; readonly call: (call: Call) => unknown };

function arity(spec: FunctionSpec): string {
  const plural = (n: number): string => (n === 1 ? 'argument' : 'arguments');
  if (spec.max === Number.POSITIVE_INFINITY) return `at least ${spec.min} ${plural(spec.min)}`;
  if (spec.min === spec.max) return `${spec.min} ${plural(spec.min)}`;
  return `${spec.min} to ${spec.max} arguments`;
}

function argumentError(call: Call, index: number, expected: string): never {
  const got = typeOf(call.values[index]);
  return fail(
    `'${call.name}' needs ${expected} as argument ${index + 1}, got ${got}`,
    call.nodes[index]!.start,
  );
}

function stringArg(call: Call, index: number): string {
  const value = call.values[index];
  return typeof value === 'string' ? value : argumentError(call, index, 'a string');
}

function numberArg(call: Call, index: number): number {
  const value = call.values[index];
  return typeof value === 'number' ? value : argumentError(call, index, 'a number');
}

function length(call: Call): number {
  const value = call.values[0];
  if (typeof value === 'string') {
    let count = 0; // code points, so that an emoji counts as one character
    for (const _ of value) count += 1;
    return count;
  }
  if (Array.isArray(value)) return value.length;
  if (isRecord(value)) return Object.keys(value).length;
  return argumentError(call, 0, 'a string, an array or an object');
}

function toNumber(call: Call): number {
  const value = call.values[0];
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const text = value.trim();
    // Decimal notation only: Number() alone would also accept '', '0x1f' and 'Infinity'.
    const parsed = [...text].every((ch) => '0123456789+-.eE'.includes(ch)) ? Number(text) : Number.NaN;
    if (text === '' || !Number.isFinite(parsed)) fail(`'number' cannot read '${value}' as a number`, call.at);
    return parsed;
  }
  return argumentError(call, 0, 'a number, a string or a boolean');
}

function toText(call: Call): string {
  const value = call.values[0];
  return typeof value === 'string' ? value : call.run.serialize(value, 0, call.at);
}

/** Half away from zero, on the decimal digits as written: round(1.005, 2) is 1.01, round(-2.5) is -3. */
function round(call: Call): number {
  const value = numberArg(call, 0);
  const digits = call.values.length > 1 ? numberArg(call, 1) : 0;
  if (!Number.isInteger(digits) || digits < 0 || digits > 15) {
    fail(`'round' needs a whole number of digits from 0 to 15, got ${digits}`, call.nodes[1]!.start);
  }
  // Shifting the exponent in the decimal text avoids the binary error of value * 10 ** digits.
  const shift = (n: number, by: number): number => {
    const [mantissa, exponent = '0'] = String(n).split('e');
    return Number(`${mantissa}e${Number(exponent) + by}`);
  };
  const rounded = Math.sign(value) * shift(Math.round(shift(Math.abs(value), digits)), -digits);
  return rounded === 0 ? 0 : rounded;
}

function extreme(call: Call, pick: (a: number, b: number) => number): number {
  const only = call.values[0];
  const single = call.values.length === 1 && Array.isArray(only);
  const values: readonly unknown[] = single ? only : call.values;
  if (values.length === 0) fail(`'${call.name}' of an empty array`, call.at);
  let result = Number.NaN;
  values.forEach((value, i) => {
    if (typeof value !== 'number') {
      if (single) fail(`'${call.name}' needs an array of numbers, element ${i} is ${typeOf(value)}`, call.at);
      argumentError(call, i, 'a number');
    }
    result = i === 0 ? value : pick(result, value);
  });
  call.run.charge(values.length, call.at);
  return result;
}

function matches(call: Call): boolean {
  const text = stringArg(call, 0);
  const pattern = stringArg(call, 1);
  const at = call.nodes[1]!.start;
  if (pattern.length > MAX_PATTERN_LENGTH) {
    fail(`'matches' takes patterns of at most ${MAX_PATTERN_LENGTH} characters`, at);
  }
  let program: Instruction[];
  try {
    program = compilePattern(parsePattern(pattern));
  } catch (error) {
    if (error instanceof PatternError) fail(`'matches' cannot use the pattern: ${error.message}`, at);
    throw error;
  }
  return runPattern(program, text, (units) => call.run.charge(units, call.at));
}

const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map<string, FunctionSpec>([
  ['len', { min: 1, max: 1, call: length }],
  ['lower', { min: 1, max: 1, call: (c) => stringArg(c, 0).toLowerCase() }],
  ['upper', { min: 1, max: 1, call: (c) => stringArg(c, 0).toUpperCase() }],
  ['trim', { min: 1, max: 1, call: (c) => stringArg(c, 0).trim() }],
  ['startsWith', { min: 2, max: 2, call: (c) => stringArg(c, 0).startsWith(stringArg(c, 1)) }],
  ['endsWith', { min: 2, max: 2, call: (c) => stringArg(c, 0).endsWith(stringArg(c, 1)) }],
  ['contains', { min: 2, max: 2, call: (c) => c.run.contains(c.values[0], c.values[1], "'contains'", c.at) }],
  ['matches', { min: 2, max: 2, call: matches }],
  ['number', { min: 1, max: 1, call: toNumber }],
  ['string', { min: 1, max: 1, call: toText }],
  ['abs', { min: 1, max: 1, call: (c) => Math.abs(numberArg(c, 0)) }],
  ['floor', { min: 1, max: 1, call: (c) => Math.floor(numberArg(c, 0)) }],
  // `|| 0`: ceil(-0.5) is -0, which JSON writes as 0 but Object.is tells apart.
  ['ceil', { min: 1, max: 1, call: (c) => Math.ceil(numberArg(c, 0)) || 0 }],
  ['round', { min: 1, max: 2, call: round }],
  ['min', { min: 1, max: Number.POSITIVE_INFINITY, call: (c) => extreme(c, Math.min) }],
  ['max', { min: 1, max: Number.POSITIVE_INFINITY, call: (c) => extreme(c, Math.max) }],
  [
    'coalesce',
    { min: 1, max: Number.POSITIVE_INFINITY, call: (c) => c.values.find((v) => v !== null) ?? null },
  ],
  ['default', { min: 2, max: 2, call: (c) => (c.values[0] === null ? c.values[1] : c.values[0]) }],
]);

// ---------------------------------------------------------------------------------------------------------
// Regular expressions for `matches`: parse the subset, compile to an NFA program, run it in lock-step.

class PatternError extends Error {}

type CharTest = (ch: string) => boolean;
type Assertion = 'start' | 'end' | 'boundary' | 'notBoundary';
type Pattern =
  | { kind: 'char'; test: CharTest }
  | { kind: 'assert'; assertion: Assertion }
  | { kind: 'sequence'; items: Pattern[] }
  | { kind: 'choice'; options: Pattern[] }
  | { kind: 'repeat'; body: Pattern; min: number; max: number };

type Instruction =
  | { op: 'char'; test: CharTest }
  | { op: 'assert'; assertion: Assertion }
  | { op: 'split'; next: number; alt: number }
  | { op: 'jump'; to: number }
  | { op: 'match' };

const isWordChar = (ch: string | undefined): boolean => isNamePart(ch);
const isSpace = (ch: string): boolean => ch.trim() === ''; // the same set as \s in JavaScript
const isLineEnd = (ch: string): boolean => ch === '\n' || ch === '\r' || ch === '\u2028' || ch === '\u2029';
const CLASS_ESCAPES: Readonly<Record<string, CharTest>> = {
  d: (ch) => isDigit(ch),
  D: (ch) => !isDigit(ch),
  w: (ch) => isWordChar(ch),
  W: (ch) => !isWordChar(ch),
  s: isSpace,
  S: (ch) => !isSpace(ch),
};
const CONTROL_ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v' };
const QUANTIFIER_STARTS = '*+?{';

function parsePattern(source: string): Pattern {
  const chars = Array.from(source);
  let i = 0;
  const error = (what: string): PatternError => new PatternError(`${what} at offset ${i} of the pattern`);

  const choice = (): Pattern => {
    const options = [sequence()];
    while (chars[i] === '|') {
      i += 1;
      options.push(sequence());
    }
    return options.length === 1 ? options[0]! : { kind: 'choice', options };
  };
  const sequence = (): Pattern => {
    const items: Pattern[] = [];
    while (i < chars.length && chars[i] !== '|' && chars[i] !== ')') items.push(quantified());
    return { kind: 'sequence', items };
  };
  const quantified = (): Pattern => {
    const body = atom();
    const bounds = quantifier();
    if (bounds === undefined) return body;
    if (body.kind === 'assert') throw error('nothing to repeat');
    if (chars[i] === '?') i += 1; // lazy: the same yes/no answer
    if (chars[i] !== undefined && QUANTIFIER_STARTS.includes(chars[i]!))
      throw error('a quantifier cannot follow another quantifier');
    return { kind: 'repeat', body, ...bounds };
  };
  const integer = (): number | undefined => {
    const from = i;
    while (isDigit(chars[i])) i += 1;
    return i === from ? undefined : Number(chars.slice(from, i).join(''));
  };
  const quantifier = (): { min: number; max: number } | undefined => {
    const ch = chars[i];
    if (ch === '*' || ch === '+' || ch === '?') {
      i += 1;
      return { min: ch === '+' ? 1 : 0, max: ch === '?' ? 1 : Number.POSITIVE_INFINITY };
    }
    if (ch !== '{') return undefined;
    i += 1;
    const min = integer();
    if (min === undefined) throw error('expected a number in {n,m}');
    let max = min;
    if (chars[i] === ',') {
      i += 1;
      max = integer() ?? Number.POSITIVE_INFINITY;
    }
    if (chars[i] !== '}') throw error("expected '}'");
    i += 1;
    if (min > max) throw error('{n,m} needs n ≤ m');
    if (min > MAX_REPEAT || (max !== Number.POSITIVE_INFINITY && max > MAX_REPEAT)) {
      throw error(`repetition counts go up to ${MAX_REPEAT}`);
    }
    return { min, max };
  };
  const literal = (ch: string): Pattern => ({ kind: 'char', test: (c) => c === ch });
  const escapeSequence = (): Pattern => {
    i += 1;
    const ch = chars[i];
    if (ch === undefined) throw error('the pattern ends with a lone backslash');
    if (Object.hasOwn(CLASS_ESCAPES, ch)) {
      i += 1;
      return { kind: 'char', test: CLASS_ESCAPES[ch]! };
    }
    if (Object.hasOwn(CONTROL_ESCAPES, ch)) {
      i += 1;
      return literal(CONTROL_ESCAPES[ch]!);
    }
    if (ch === 'b' || ch === 'B') {
      i += 1;
      return { kind: 'assert', assertion: ch === 'b' ? 'boundary' : 'notBoundary' };
    }
    if (isDigit(ch)) throw error('backreferences are not supported');
    if (isNamePart(ch)) throw error(`unsupported escape \\${ch}`);
    i += 1;
    return literal(ch);
  };
  const charClass = (): Pattern => {
    i += 1;
    const negated = chars[i] === '^';
    if (negated) i += 1;
    if (chars[i] === ']') throw error('empty character class');
    const tests: CharTest[] = [];
    // Either one character (its code point, so that it can bound a range) or a class escape such as \d.
    const member = (): number | CharTest => {
      const ch = chars[i]!;
      i += 1;
      if (ch !== '\\') return ch.codePointAt(0)!;
      const escaped = chars[i];
      if (escaped === undefined) throw error('the pattern ends with a lone backslash');
      if (Object.hasOwn(CLASS_ESCAPES, escaped)) {
        i += 1;
        return CLASS_ESCAPES[escaped]!;
      }
      if (Object.hasOwn(CONTROL_ESCAPES, escaped)) {
        i += 1;
        return CONTROL_ESCAPES[escaped]!.codePointAt(0)!;
      }
      if (isNamePart(escaped)) throw error(`unsupported escape \\${escaped} in a character class`);
      i += 1;
      return escaped.codePointAt(0)!;
    };
    for (;;) {
      if (i >= chars.length) throw error("expected ']'");
      if (chars[i] === ']') break;
      const low = member();
      if (chars[i] === '-' && i + 1 < chars.length && chars[i + 1] !== ']') {
        i += 1;
        const high = member();
        if (typeof low !== 'number' || typeof high !== 'number') throw error('a range needs two characters');
        if (low > high) throw error('range out of order');
        tests.push((c) => {
          const code = c.codePointAt(0)!;
          return code >= low && code <= high;
        });
      } else if (typeof low === 'number') {
        tests.push((c) => c.codePointAt(0) === low);
      } else {
        tests.push(low);
      }
    }
    i += 1;
    return { kind: 'char', test: (c) => tests.some((test) => test(c)) !== negated };
  };
  const atom = (): Pattern => {
    const ch = chars[i]!;
    switch (ch) {
      case '(': {
        i += 1;
        if (chars[i] === '?') {
          if (chars[i + 1] !== ':')
            throw error('lookaround, named groups and inline flags are not supported');
          i += 2;
        }
        const inner = choice();
        if (chars[i] !== ')') throw error("expected ')'");
        i += 1;
        return inner;
      }
      case '[':
        return charClass();
      case '.':
        i += 1;
        return { kind: 'char', test: (c) => !isLineEnd(c) };
      case '^':
      case '$':
        i += 1;
        return { kind: 'assert', assertion: ch === '^' ? 'start' : 'end' };
      case '\\':
        return escapeSequence();
      default:
        if (QUANTIFIER_STARTS.includes(ch)) throw error('nothing to repeat');
        i += 1;
        return literal(ch);
    }
  };

  const pattern = choice();
  if (i < chars.length) throw error("unmatched ')'");
  return pattern;
}

function compilePattern(pattern: Pattern): Instruction[] {
  const program: Instruction[] = [];
  const emit = (instruction: Instruction): number => {
    if (program.length >= MAX_PATTERN_STATES) {
      throw new PatternError(`the pattern expands to more than ${MAX_PATTERN_STATES} states`);
    }
    program.push(instruction);
    return program.length - 1;
  };
  // A split whose `alt` is filled in once the code it skips has been emitted.
  const split = (): { op: 'split'; next: number; alt: number } => {
    const instruction = { op: 'split' as const, next: program.length + 1, alt: -1 };
    emit(instruction);
    return instruction;
  };
  // Visits are bounded too: `(((?:){1000}){1000}){1000}` emits nothing yet would visit a billion nodes.
  let visits = 0;
  const generate = (node: Pattern): void => {
    visits += 1;
    if (visits > MAX_PATTERN_STATES * 4) throw new PatternError('the pattern expands too far');
    switch (node.kind) {
      case 'char':
        emit({ op: 'char', test: node.test });
        return;
      case 'assert':
        emit({ op: 'assert', assertion: node.assertion });
        return;
      case 'sequence':
        for (const item of node.items) generate(item);
        return;
      case 'choice': {
        const jumps: Array<{ op: 'jump'; to: number }> = [];
        node.options.forEach((option, index) => {
          if (index === node.options.length - 1) {
            generate(option);
            return;
          }
          const fork = split();
          generate(option);
          const jump = { op: 'jump' as const, to: -1 };
          emit(jump);
          jumps.push(jump);
          fork.alt = program.length;
        });
        for (const jump of jumps) jump.to = program.length;
        return;
      }
      case 'repeat': {
        for (let k = 0; k < node.min; k += 1) generate(node.body);
        if (node.max === Number.POSITIVE_INFINITY) {
          const loop = program.length;
          const fork = split();
          generate(node.body);
          emit({ op: 'jump', to: loop });
          fork.alt = program.length;
          return;
        }
        const forks: Array<{ alt: number }> = [];
        for (let k = node.min; k < node.max; k += 1) {
          forks.push(split());
          generate(node.body);
        }
        for (const fork of forks) fork.alt = program.length;
        return;
      }
    }
  };
  generate(pattern);
  emit({ op: 'match' });
  return program;
}

/**
 * Thompson simulation: the set of live states advances one character at a time, each state at most once
 * per position, so the work is at most (states × characters) whatever the pattern.
 */
function runPattern(
  program: readonly Instruction[],
  input: string,
  charge: (units: number) => void,
): boolean {
  const chars = Array.from(input);
  const marks = new Int32Array(program.length).fill(-1);
  let generation = 0;
  const holds = (assertion: Assertion, pos: number): boolean => {
    switch (assertion) {
      case 'start':
        return pos === 0;
      case 'end':
        return pos === chars.length;
      case 'boundary':
        return isWordChar(chars[pos - 1]) !== isWordChar(chars[pos]);
      case 'notBoundary':
        return isWordChar(chars[pos - 1]) === isWordChar(chars[pos]);
    }
  };
  // Follows jumps, splits and assertions (which consume nothing) to the states that wait for a character.
  let work = 0;
  const add = (states: number[], from: number, pos: number): void => {
    const stack = [from];
    while (stack.length > 0) {
      const pc = stack.pop()!;
      work += 1;
      if (marks[pc] === generation) continue;
      marks[pc] = generation;
      const instruction = program[pc]!;
      if (instruction.op === 'jump') stack.push(instruction.to);
      else if (instruction.op === 'split') stack.push(instruction.alt, instruction.next);
      else if (instruction.op === 'assert') {
        if (holds(instruction.assertion, pos)) stack.push(pc + 1);
      } else states.push(pc);
    }
  };
  let current: number[] = [];
  add(current, 0, 0);
  for (let pos = 0; ; pos += 1) {
    charge(work + current.length);
    work = 0;
    generation += 1;
    const ch = chars[pos];
    const next: number[] = [];
    for (const pc of current) {
      const instruction = program[pc]!;
      if (instruction.op === 'match') return true;
      if (instruction.op === 'char' && ch !== undefined && instruction.test(ch)) add(next, pc + 1, pos + 1);
    }
    if (ch === undefined) return false;
    add(next, 0, pos + 1); // a search: a match may also start at the next position
    current = next;
  }
}
