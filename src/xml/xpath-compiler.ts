import type { NamespaceMap } from 'libxml2-wasm';
import { ATTRIBUTE, COMMENT, DOCUMENT, ELEMENT, PI, TEXT, type LightNode, type LightTree } from './light-tree.js';
import { isXmlSpace } from './xml-space.js';

/**
 * XPath 1.0 compiled to JavaScript functions over the light tree (light-tree.ts), with libxml2's
 * semantics where XPath 1.0 leaves room (number formatting and parsing, text and CDATA nodes as
 * libxml2 keeps them). An expression this compiler does not take on (the namespace axis, id(),
 * lang(), an unknown function or prefix, a wrong number of arguments) throws NotCompiled when it is
 * compiled; a type error while evaluating (a path step on a string) throws NotCompiled too. Either
 * way the caller evaluates that expression with libxml2 instead, so a verdict never depends on
 * which of the two evaluated it.
 */
export class NotCompiled extends Error {}

export type XValue = LightNode[] | string | number | boolean;

export interface XContext {
  node: LightNode;
  position: number;
  size: number;
  tree: LightTree;
  vars: Map<string, XValue> | null;
  /** Values of repeated subexpressions already evaluated in this context (see XPathCompiler.node). */
  memo?: Map<number, XValue>;
}

export type XFunction = (ctx: XContext) => XValue;

// ---------------------------------------------------------------------------------------------
// Conversions, as libxml2 does them.

const XML_SPACE = /^[ \t\r\n]+|[ \t\r\n]+$/g;

/** XPath's normalize-space(): most values have nothing to normalise, found in one scan without building a string. */
function normalizeSpace(v: string): string {
  const last = v.length - 1;
  for (let i = 0; i <= last; i++) {
    const c = v.charCodeAt(i);
    if (c === 9 || c === 10 || c === 13 || (c === 32 && (i === 0 || i === last || v.charCodeAt(i + 1) === 32))) {
      return v.replace(XML_SPACE, '').replace(/[ \t\r\n]+/g, ' ');
    }
  }
  return v;
}

export function stringOf(v: XValue): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numberToString(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return v.length ? v[0].text() : '';
}

export function numberOf(v: XValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return parseNumber(typeof v === 'string' ? v : stringOf(v));
}

export function booleanOf(v: XValue): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  if (typeof v === 'string') return v.length > 0;
  return v.length > 0;
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const MAX_FRAC = 20;

/** libxml2's xmlXPathStringEvalNumber: digits, an optional fraction and exponent, blanks around; else NaN. */
export function parseNumber(s: string): number {
  let i = 0;
  const n = s.length;
  while (i < n && isXmlSpace(s.charCodeAt(i))) i++;
  let negative = false;
  if (s.charCodeAt(i) === 0x2d) {
    negative = true;
    i++;
  }
  if (i >= n || (s.charCodeAt(i) !== 0x2e && !isDigit(s.charCodeAt(i)))) return NaN;
  let ret = 0;
  let ok = false;
  while (i < n && isDigit(s.charCodeAt(i))) {
    ret = ret * 10 + (s.charCodeAt(i) - 0x30);
    ok = true;
    i++;
  }
  if (s.charCodeAt(i) === 0x2e) {
    i++;
    if ((i >= n || !isDigit(s.charCodeAt(i))) && !ok) return NaN;
    let frac = 0;
    let fraction = 0;
    while (s.charCodeAt(i) === 0x30) {
      frac++;
      i++;
    }
    const max = frac + MAX_FRAC;
    while (i < n && isDigit(s.charCodeAt(i)) && frac < max) {
      fraction = fraction * 10 + (s.charCodeAt(i) - 0x30);
      frac++;
      i++;
    }
    fraction /= Math.pow(10, frac);
    ret = ret + fraction;
    while (i < n && isDigit(s.charCodeAt(i))) i++;
  }
  let exponent = 0;
  let negativeExponent = false;
  if (s.charCodeAt(i) === 0x65 || s.charCodeAt(i) === 0x45) {
    i++;
    if (s.charCodeAt(i) === 0x2d) {
      negativeExponent = true;
      i++;
    } else if (s.charCodeAt(i) === 0x2b) i++;
    while (i < n && isDigit(s.charCodeAt(i))) {
      if (exponent < 1000000) exponent = exponent * 10 + (s.charCodeAt(i) - 0x30);
      i++;
    }
  }
  while (i < n && isXmlSpace(s.charCodeAt(i))) i++;
  if (i < n) return NaN;
  if (negative) ret = -ret;
  if (negativeExponent) exponent = -exponent;
  return ret * Math.pow(10, exponent);
}

const INT_MAX = 2147483647;
const INT_MIN = -2147483648;

/** libxml2's xmlXPathFormatNumber: integers as integers, 15 significant digits, exponent form beyond 1e9 and below 1e-5. */
export function numberToString(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return '0';
  if (x > INT_MIN && x < INT_MAX && x === Math.trunc(x)) return String(x);
  const abs = Math.abs(x);
  if (abs > 1e9 || abs < 1e-5) {
    const text = x.toExponential(14);
    const e = text.indexOf('e');
    let mantissa = text.slice(0, e);
    let exp = text.slice(e + 1);
    const sign = exp[0] === '-' ? '-' : '+';
    exp = exp.replace(/^[+-]/, '');
    if (exp.length < 2) exp = `0${exp}`;
    mantissa = mantissa.replace(/0+$/, '').replace(/\.$/, '');
    return `${mantissa}e${sign}${exp}`;
  }
  const integerPlace = Math.trunc(Math.log10(abs));
  const fractionPlace = integerPlace > 0 ? 15 - integerPlace - 1 : 15 - integerPlace;
  const text = x.toFixed(fractionPlace);
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

/** Code points, not UTF-16 units: libxml2 counts characters of UTF-8 strings. */
function chars(s: string): string[] {
  return Array.from(s);
}

function hasAstral(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Tokens and syntax tree.

type Token =
  | { t: 'num'; v: number }
  | { t: 'str'; v: string }
  | { t: 'name'; v: string } // QName, NCName:* or *
  | { t: 'var'; v: string }
  | { t: 'op'; v: string }; // punctuation and operators, `and` `or` `div` `mod` included

const NAME_START =
  /[A-Za-z_\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]/;
const NAME_CHAR =
  /[-.0-9\u00B7\u203F-\u2040A-Za-z_\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]/;

/** Combining marks (U+0300–U+036F) continue a name too; kept out of the class, where they would read as combining. */
const isNameChar = (c: string) => NAME_CHAR.test(c) || (c >= '\u0300' && c <= '\u036f');

function tokenize(expr: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = expr.length;
  const ncname = (): string => {
    const start = i;
    if (i >= n || !NAME_START.test(expr[i])) throw new NotCompiled(`name expected at ${i}`);
    i++;
    while (i < n && isNameChar(expr[i])) i++;
    return expr.slice(start, i);
  };
  // XPath 1.0, 3.7: after these (or at the start) `*` is a name test and `and`... are names.
  const operatorMayFollow = (): boolean => {
    const last = out[out.length - 1];
    if (!last) return false;
    if (last.t === 'op') return last.v === ')' || last.v === ']' || last.v === '.' || last.v === '..';
    return true;
  };
  while (i < n) {
    const c = expr[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = expr.indexOf(c, i + 1);
      if (end < 0) throw new NotCompiled('unterminated literal');
      out.push({ t: 'str', v: expr.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    if ((c >= '0' && c <= '9') || (c === '.' && expr[i + 1] >= '0' && expr[i + 1] <= '9')) {
      const start = i;
      while (i < n && expr[i] >= '0' && expr[i] <= '9') i++;
      if (expr[i] === '.') {
        i++;
        while (i < n && expr[i] >= '0' && expr[i] <= '9') i++;
      }
      // libxml2 also reads an exponent in a number literal; XPath 1.0 has none, so leave it to libxml2.
      if (expr[i] === 'e' || expr[i] === 'E') throw new NotCompiled('exponent in a number literal');
      out.push({ t: 'num', v: parseNumber(expr.slice(start, i)) });
      continue;
    }
    if (c === '.' && expr[i + 1] === '.') {
      out.push({ t: 'op', v: '..' });
      i += 2;
      continue;
    }
    if (c === '/' && expr[i + 1] === '/') {
      out.push({ t: 'op', v: '//' });
      i += 2;
      continue;
    }
    if (c === ':' && expr[i + 1] === ':') {
      out.push({ t: 'op', v: '::' });
      i += 2;
      continue;
    }
    if ((c === '!' || c === '<' || c === '>') && expr[i + 1] === '=') {
      out.push({ t: 'op', v: `${c}=` });
      i += 2;
      continue;
    }
    if ('()[].@,|+-=<>/'.includes(c)) {
      out.push({ t: 'op', v: c });
      i++;
      continue;
    }
    if (c === '*') {
      out.push(operatorMayFollow() ? { t: 'op', v: '*' } : { t: 'name', v: '*' });
      i++;
      continue;
    }
    if (c === '$') {
      i++;
      let name = ncname();
      if (expr[i] === ':' && expr[i + 1] !== ':') {
        i++;
        name += `:${ncname()}`;
      }
      out.push({ t: 'var', v: name });
      continue;
    }
    if (NAME_START.test(c)) {
      let name = ncname();
      if (operatorMayFollow() && (name === 'and' || name === 'or' || name === 'div' || name === 'mod')) {
        out.push({ t: 'op', v: name });
        continue;
      }
      if (expr[i] === ':' && expr[i + 1] !== ':') {
        i++;
        if (expr[i] === '*') {
          i++;
          name += ':*';
        } else name += `:${ncname()}`;
      }
      out.push({ t: 'name', v: name });
      continue;
    }
    throw new NotCompiled(`unexpected character ${c}`);
  }
  return out;
}

type Axis =
  | 'child'
  | 'descendant'
  | 'descendant-or-self'
  | 'self'
  | 'parent'
  | 'ancestor'
  | 'ancestor-or-self'
  | 'following-sibling'
  | 'preceding-sibling'
  | 'attribute';

const AXES = new Set<string>([
  'child',
  'descendant',
  'descendant-or-self',
  'self',
  'parent',
  'ancestor',
  'ancestor-or-self',
  'following-sibling',
  'preceding-sibling',
  'attribute',
]);
const REVERSE = new Set<Axis>(['parent', 'ancestor', 'ancestor-or-self', 'preceding-sibling']);

type NodeTest =
  | { k: 'name'; ns: string | null; local: string | null } // ns null: any (only with '*'); local null: prefix:*
  | { k: 'node' }
  | { k: 'text' }
  | { k: 'comment' }
  | { k: 'pi'; target: string | null };

type Ast =
  /** `v` is a string ("Infinity") in expressions read back from the disk cache: JSON has no Infinity. */
  | { k: 'num'; v: number | string }
  | { k: 'str'; v: string }
  | { k: 'var'; name: string }
  | { k: 'call'; name: string; args: Ast[] }
  | { k: 'binary'; op: string; a: Ast; b: Ast }
  | { k: 'neg'; a: Ast }
  | { k: 'union'; parts: Ast[] }
  | { k: 'filter'; primary: Ast; predicates: Ast[] }
  | { k: 'path'; absolute: boolean; start: Ast | null; steps: Step[] };

interface Step {
  axis: Axis;
  test: NodeTest;
  predicates: Ast[];
}

class Parser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly ns: NamespaceMap,
  ) {}

  parse(): Ast {
    const e = this.expr();
    if (this.i < this.tokens.length) throw new NotCompiled('trailing tokens');
    return e;
  }

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }
  private isOp(v: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t !== undefined && t.t === 'op' && t.v === v;
  }
  private expect(v: string): void {
    if (!this.isOp(v)) throw new NotCompiled(`${v} expected`);
    this.i++;
  }

  private expr(): Ast {
    return this.binary(0);
  }

  private static readonly LEVELS = [['or'], ['and'], ['=', '!='], ['<', '>', '<=', '>='], ['+', '-'], ['*', 'div', 'mod']];

  private binary(level: number): Ast {
    if (level === Parser.LEVELS.length) return this.unary();
    let a = this.binary(level + 1);
    for (;;) {
      const t = this.peek();
      if (!t || t.t !== 'op' || !Parser.LEVELS[level].includes(t.v)) return a;
      this.i++;
      a = { k: 'binary', op: t.v, a, b: this.binary(level + 1) };
    }
  }

  private unary(): Ast {
    if (this.isOp('-')) {
      this.i++;
      return { k: 'neg', a: this.unary() };
    }
    const parts = [this.pathExpr()];
    while (this.isOp('|')) {
      this.i++;
      parts.push(this.pathExpr());
    }
    return parts.length === 1 ? parts[0] : { k: 'union', parts };
  }

  private startsFilter(): boolean {
    const t = this.peek();
    if (!t) return false;
    if (t.t === 'num' || t.t === 'str' || t.t === 'var') return true;
    if (t.t === 'op') return t.v === '(';
    if (t.t === 'name' && this.isOp('(', 1)) return !['node', 'text', 'comment', 'processing-instruction'].includes(t.v);
    return false;
  }

  private pathExpr(): Ast {
    if (this.startsFilter()) {
      const primary = this.primary();
      const predicates: Ast[] = [];
      while (this.isOp('[')) predicates.push(this.predicate());
      const filter: Ast = predicates.length ? { k: 'filter', primary, predicates } : primary;
      if (this.isOp('/') || this.isOp('//')) {
        const steps: Step[] = [];
        this.relativePath(steps, true);
        return { k: 'path', absolute: false, start: filter, steps };
      }
      return filter;
    }
    const steps: Step[] = [];
    if (this.isOp('/')) {
      this.i++;
      if (this.startsStep()) this.relativePath(steps, false);
      return { k: 'path', absolute: true, start: null, steps };
    }
    if (this.isOp('//')) {
      this.relativePath(steps, true);
      return { k: 'path', absolute: true, start: null, steps };
    }
    this.relativePath(steps, false);
    return { k: 'path', absolute: false, start: null, steps };
  }

  private startsStep(): boolean {
    const t = this.peek();
    if (!t) return false;
    if (t.t === 'name') return true;
    return t.t === 'op' && (t.v === '.' || t.v === '..' || t.v === '@');
  }

  /** `leadingSlash`: the next token is `/` or `//` and belongs to the path. */
  private relativePath(steps: Step[], leadingSlash: boolean): void {
    let first = !leadingSlash;
    for (;;) {
      if (!first) {
        if (this.isOp('//')) {
          this.i++;
          steps.push({ axis: 'descendant-or-self', test: { k: 'node' }, predicates: [] });
        } else if (this.isOp('/')) this.i++;
        else return;
      }
      first = false;
      steps.push(this.step());
    }
  }

  private step(): Step {
    if (this.isOp('.')) {
      this.i++;
      return { axis: 'self', test: { k: 'node' }, predicates: [] };
    }
    if (this.isOp('..')) {
      this.i++;
      return { axis: 'parent', test: { k: 'node' }, predicates: [] };
    }
    let axis: Axis = 'child';
    if (this.isOp('@')) {
      this.i++;
      axis = 'attribute';
    } else {
      const t = this.peek();
      if (t?.t === 'name' && this.isOp('::', 1)) {
        // following and preceding: libxml2 starts an attribute's following axis after its element, not
        // inside it; rules have no use for either axis, so libxml2 evaluates them.
        if (!AXES.has(t.v)) throw new NotCompiled(`axis ${t.v}`);
        axis = t.v as Axis;
        this.i += 2;
      }
    }
    const test = this.nodeTest();
    const predicates: Ast[] = [];
    while (this.isOp('[')) predicates.push(this.predicate());
    return { axis, test, predicates };
  }

  private nodeTest(): NodeTest {
    const t = this.peek();
    if (!t || t.t !== 'name') throw new NotCompiled('node test expected');
    this.i++;
    if (this.isOp('(')) {
      this.i++;
      let test: NodeTest;
      if (t.v === 'node') test = { k: 'node' };
      else if (t.v === 'text') test = { k: 'text' };
      else if (t.v === 'comment') test = { k: 'comment' };
      else if (t.v === 'processing-instruction') {
        const lit = this.peek();
        if (lit?.t === 'str') {
          this.i++;
          test = { k: 'pi', target: lit.v };
        } else test = { k: 'pi', target: null };
      } else throw new NotCompiled(`node type ${t.v}`);
      this.expect(')');
      return test;
    }
    if (t.v === '*') return { k: 'name', ns: null, local: null };
    const colon = t.v.indexOf(':');
    if (colon < 0) return { k: 'name', ns: '', local: t.v };
    const prefix = t.v.slice(0, colon);
    const uri = this.ns[prefix];
    if (uri === undefined) throw new NotCompiled(`prefix ${prefix}`);
    const local = t.v.slice(colon + 1);
    return { k: 'name', ns: uri, local: local === '*' ? null : local };
  }

  private predicate(): Ast {
    this.expect('[');
    const e = this.expr();
    this.expect(']');
    return e;
  }

  private primary(): Ast {
    const t = this.peek()!;
    this.i++;
    if (t.t === 'num') return { k: 'num', v: t.v };
    if (t.t === 'str') return { k: 'str', v: t.v };
    if (t.t === 'var') return { k: 'var', name: t.v };
    if (t.t === 'op' && t.v === '(') {
      const e = this.expr();
      this.expect(')');
      return e;
    }
    if (t.t === 'name') {
      this.expect('(');
      const args: Ast[] = [];
      if (!this.isOp(')')) {
        args.push(this.expr());
        while (this.isOp(',')) {
          this.i++;
          args.push(this.expr());
        }
      }
      this.expect(')');
      return { k: 'call', name: t.v, args };
    }
    throw new NotCompiled('primary expression expected');
  }
}

// ---------------------------------------------------------------------------------------------
// Compilation to closures.

function nodeSet(v: XValue): LightNode[] {
  if (!Array.isArray(v)) throw new NotCompiled('a node-set was expected');
  return v;
}

function inDocumentOrder(nodes: LightNode[]): LightNode[] {
  if (nodes.length < 2) return nodes;
  nodes.sort((a, b) => a.order - b.order);
  const out: LightNode[] = [nodes[0]];
  for (let i = 1; i < nodes.length; i++) if (nodes[i] !== nodes[i - 1]) out.push(nodes[i]);
  return out;
}

function matches(test: NodeTest, node: LightNode, axis: Axis): boolean {
  switch (test.k) {
    case 'node':
      return true;
    case 'text':
      return node.kind === TEXT;
    case 'comment':
      return node.kind === COMMENT;
    case 'pi':
      return node.kind === PI && (test.target === null || node.local === test.target);
    case 'name': {
      // The principal node type: attributes on the attribute axis, elements elsewhere.
      if (node.kind !== (axis === 'attribute' ? ATTRIBUTE : ELEMENT)) return false;
      if (test.local !== null && node.local !== test.local) return false;
      return test.ns === null || node.ns === test.ns;
    }
  }
}

function descendants(node: LightNode, out: LightNode[]): void {
  for (const c of node.children) {
    out.push(c);
    if (c.children.length) descendants(c, out);
  }
}

/** The nodes of an axis, in the axis's own order (reverse axes nearest first). */
function axisNodes(axis: Axis, node: LightNode): LightNode[] {
  switch (axis) {
    case 'child':
      return node.children;
    case 'attribute':
      return node.attributes;
    case 'self':
      return [node];
    case 'parent':
      return node.parent ? [node.parent] : [];
    case 'descendant': {
      const out: LightNode[] = [];
      descendants(node, out);
      return out;
    }
    case 'descendant-or-self': {
      const out: LightNode[] = [node];
      descendants(node, out);
      return out;
    }
    case 'ancestor':
    case 'ancestor-or-self': {
      const out: LightNode[] = axis === 'ancestor-or-self' ? [node] : [];
      for (let p = node.parent; p; p = p.parent) out.push(p);
      return out;
    }
    case 'following-sibling':
    case 'preceding-sibling': {
      if (node.kind === ATTRIBUTE || !node.parent) return [];
      const siblings = node.parent.children;
      const at = siblings.indexOf(node);
      return axis === 'following-sibling' ? siblings.slice(at + 1) : siblings.slice(0, at).reverse();
    }
  }
}

/** Whether a predicate's value can depend on the context position or size, or be a number (a position test). */
function positional(e: Ast): boolean {
  switch (e.k) {
    case 'num':
    case 'var':
      return true;
    case 'str':
      return false;
    case 'neg':
      return true;
    case 'binary':
      if (['+', '-', '*', 'div', 'mod'].includes(e.op)) return true;
      return usesPosition(e.a) || usesPosition(e.b);
    case 'call':
      if (NUMBER_FUNCTIONS.has(e.name)) return true;
      return usesPosition(e);
    case 'union':
    case 'path':
    case 'filter':
      return usesPosition(e);
  }
}

/** position() or last() outside any nested predicate. */
function usesPosition(e: Ast): boolean {
  switch (e.k) {
    case 'call':
      return e.name === 'position' || e.name === 'last' || e.args.some(usesPosition);
    case 'binary':
      return usesPosition(e.a) || usesPosition(e.b);
    case 'neg':
      return usesPosition(e.a);
    case 'union':
      return e.parts.some(usesPosition);
    case 'filter':
      return usesPosition(e.primary);
    case 'path':
      return e.start !== null && usesPosition(e.start);
    default:
      return false;
  }
}

const NUMBER_FUNCTIONS = new Set(['last', 'position', 'count', 'number', 'sum', 'floor', 'ceiling', 'round', 'string-length']);

type StepFn = (input: LightNode[], ctx: XContext) => LightNode[];

/** Parsed expressions by their text (null: one the compiler does not take on); see XPathCompiler. */
export type ParsedExpressions = Record<string, unknown>;

export class XPathCompiler {
  /** Equal subexpressions share an id (hash-consing), so that a repeated one can be remembered. */
  private readonly ids = new Map<string, number>();
  private readonly idOf = new WeakMap<object, number>();
  /** How often each subexpression occurs in the expression being compiled. */
  private counts = new Map<number, number>();

  private readonly parsed: Map<string, Ast | null>;

  /**
   * `parsed`: expressions parsed before with the same namespaces (parsedExpressions() of an earlier
   * compiler, possibly from the disk cache), so that they are not parsed again.
   */
  constructor(
    private readonly ns: NamespaceMap,
    parsed: ParsedExpressions = {},
  ) {
    this.parsed = new Map(Object.entries(parsed) as [string, Ast | null][]);
  }

  /** Every expression this compiler parsed or was given, parsed; null for one it does not take on. Plain JSON. */
  parsedExpressions(): ParsedExpressions {
    return Object.fromEntries(this.parsed);
  }

  /** Compiles an expression, or throws NotCompiled. */
  compile(expr: string): XFunction {
    let ast = this.parsed.get(expr);
    if (ast === undefined) {
      try {
        ast = new Parser(tokenize(expr), this.ns).parse();
      } catch (e) {
        if (e instanceof NotCompiled) this.parsed.set(expr, null);
        throw e;
      }
      this.parsed.set(expr, ast);
    }
    if (ast === null) throw new NotCompiled(`not taken on: ${expr}`);
    this.counts = new Map();
    this.intern(ast);
    return this.node(ast);
  }

  private intern(e: Ast): number {
    let key: string;
    const list = (xs: Ast[]) => xs.map((x) => this.intern(x)).join(',');
    switch (e.k) {
      case 'num':
        key = `n${e.v}`;
        break;
      case 'str':
        key = `s${JSON.stringify(e.v)}`;
        break;
      case 'var':
        key = `v${e.name}`;
        break;
      case 'call':
        key = `c${e.name}(${list(e.args)})`;
        break;
      case 'binary':
        key = `b${e.op}(${this.intern(e.a)},${this.intern(e.b)})`;
        break;
      case 'neg':
        key = `-(${this.intern(e.a)})`;
        break;
      case 'union':
        key = `u(${list(e.parts)})`;
        break;
      case 'filter':
        key = `f(${this.intern(e.primary)};${list(e.predicates)})`;
        break;
      case 'path':
        key = `p${e.absolute ? '/' : ''}(${e.start ? this.intern(e.start) : ''};${e.steps
          .map((st) => `${st.axis}:${JSON.stringify(st.test)}[${list(st.predicates)}]`)
          .join('/')})`;
        break;
    }
    let id = this.ids.get(key);
    if (id === undefined) this.ids.set(key, (id = this.ids.size));
    this.idOf.set(e, id);
    this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
    return id;
  }

  /**
   * Untyped lets are folded into the tests as text, so one let used twenty times is twenty copies
   * of its expression. A subexpression that occurs more than once is evaluated once per context
   * (node, position, size, variables: one XContext object) and remembered in it.
   */
  private node(e: Ast): XFunction {
    const f = this.uncached(e);
    if (e.k === 'num' || e.k === 'str' || e.k === 'var') return f;
    const slot = this.idOf.get(e)!;
    if ((this.counts.get(slot) ?? 0) < 2) return f;
    return (ctx) => {
      const memo = (ctx.memo ??= new Map());
      let v = memo.get(slot);
      if (v === undefined) memo.set(slot, (v = f(ctx)));
      return v;
    };
  }

  private uncached(e: Ast): XFunction {
    switch (e.k) {
      case 'num': {
        const v = Number(e.v);
        return () => v;
      }
      case 'str': {
        const v = e.v;
        return () => v;
      }
      case 'var': {
        const name = e.name;
        return (ctx) => {
          const v = ctx.vars?.get(name);
          if (v === undefined) throw new NotCompiled(`variable ${name} is not bound`);
          return v;
        };
      }
      case 'neg': {
        const a = this.node(e.a);
        return (ctx) => -numberOf(a(ctx));
      }
      case 'binary':
        return this.binary(e.op, this.node(e.a), this.node(e.b));
      case 'union': {
        const parts = e.parts.map((p) => this.node(p));
        return (ctx) => {
          const all: LightNode[] = [];
          for (const p of parts) for (const n of nodeSet(p(ctx))) all.push(n);
          return inDocumentOrder(all);
        };
      }
      case 'filter': {
        const primary = this.node(e.primary);
        const predicates = e.predicates.map((p) => this.predicate(p));
        return (ctx) => {
          let nodes = nodeSet(primary(ctx));
          for (const p of predicates) nodes = p(nodes, ctx);
          return nodes;
        };
      }
      case 'path':
        return this.path(e);
      case 'call':
        return this.call(e.name, e.args);
    }
  }

  private binary(op: string, a: XFunction, b: XFunction): XFunction {
    switch (op) {
      case 'or':
        return (ctx) => booleanOf(a(ctx)) || booleanOf(b(ctx));
      case 'and':
        return (ctx) => booleanOf(a(ctx)) && booleanOf(b(ctx));
      case '+':
        return (ctx) => numberOf(a(ctx)) + numberOf(b(ctx));
      case '-':
        return (ctx) => numberOf(a(ctx)) - numberOf(b(ctx));
      case '*':
        return (ctx) => numberOf(a(ctx)) * numberOf(b(ctx));
      case 'div':
        return (ctx) => numberOf(a(ctx)) / numberOf(b(ctx));
      case 'mod':
        return (ctx) => numberOf(a(ctx)) % numberOf(b(ctx));
      default:
        return (ctx) => compare(op, a(ctx), b(ctx));
    }
  }

  private predicate(e: Ast): (nodes: LightNode[], ctx: XContext) => LightNode[] {
    const test = this.node(e);
    return (nodes, outer) => {
      const out: LightNode[] = [];
      const size = nodes.length;
      for (let i = 0; i < size; i++) {
        // A context of its own per node: the memo of repeated subexpressions belongs to it.
        const v = test({ node: nodes[i], position: i + 1, size, tree: outer.tree, vars: outer.vars });
        if (typeof v === 'number' ? v === i + 1 : booleanOf(v)) out.push(nodes[i]);
      }
      return out;
    };
  }

  private path(e: Extract<Ast, { k: 'path' }>): XFunction {
    const steps = [...e.steps];
    const start = e.start ? this.node(e.start) : null;
    const absolute = e.absolute;
    // `//name` (descendant-or-self::node()/child::name) with no positional predicate is descendant::name,
    // which from the document node is the tree's index of elements by name.
    const fns: StepFn[] = [];
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i];
      const next = steps[i + 1];
      if (
        s.axis === 'descendant-or-self' &&
        s.test.k === 'node' &&
        !s.predicates.length &&
        next &&
        next.axis === 'child' &&
        !next.predicates.some(positional)
      ) {
        fns.push(this.step({ axis: 'descendant', test: next.test, predicates: next.predicates }));
        i++;
        continue;
      }
      fns.push(this.step(s));
    }
    return (ctx) => {
      let nodes: LightNode[];
      if (start) nodes = nodeSet(start(ctx));
      else if (absolute) nodes = [ctx.tree.root];
      else nodes = [ctx.node];
      for (const f of fns) nodes = f(nodes, ctx);
      return nodes;
    };
  }

  private step(s: Step): StepFn {
    const { axis, test } = s;
    const predicates = s.predicates.map((p) => this.predicate(p));
    const reverse = REVERSE.has(axis);
    const ordered = axis === 'child' || axis === 'attribute' || axis === 'self' || axis === 'descendant' || axis === 'descendant-or-self';
    const indexed = axis === 'descendant' && test.k === 'name' && test.ns !== null && test.local !== null ? test : null;
    const one = (node: LightNode, ctx: XContext): LightNode[] => {
      let selected: LightNode[];
      if (indexed && (node.kind === DOCUMENT || node.kind === ELEMENT))
        selected = ctx.tree.descendantsNamed(node, indexed.ns!, indexed.local!);
      else {
        const candidates = axisNodes(axis, node);
        if (test.k === 'node') selected = candidates;
        else {
          selected = [];
          for (const c of candidates) if (matches(test, c, axis)) selected.push(c);
        }
      }
      for (const p of predicates) selected = p(selected, ctx);
      return selected;
    };
    return (input, ctx) => {
      if (input.length === 1) {
        const out = one(input[0], ctx);
        return reverse ? [...out].reverse() : out;
      }
      const all: LightNode[] = [];
      for (const n of input) for (const m of one(n, ctx)) all.push(m);
      // Children, attributes and descendants of distinct nodes in document order stay in order
      // unless one input node contains another (descendants); sort then.
      if (ordered && axis !== 'descendant' && axis !== 'descendant-or-self') {
        let sorted = true;
        for (let i = 1; i < all.length; i++)
          if (all[i].order <= all[i - 1].order) {
            sorted = false;
            break;
          }
        if (sorted) return all;
      }
      return inDocumentOrder(all);
    };
  }

  private call(name: string, argAsts: Ast[]): XFunction {
    const args = argAsts.map((a) => this.node(a));
    const n = args.length;
    const arity = (min: number, max = min) => {
      if (n < min || n > max) throw new NotCompiled(`${name}() with ${n} arguments`);
    };
    const str = (i: number) => (ctx: XContext) => stringOf(args[i](ctx));
    const num = (i: number) => (ctx: XContext) => numberOf(args[i](ctx));
    const ctxString = (ctx: XContext) => ctx.node.text();
    const firstNode = (ctx: XContext): LightNode | undefined => (n === 0 ? ctx.node : nodeSet(args[0](ctx))[0]);
    switch (name) {
      case 'last':
        arity(0);
        return (ctx) => {
          if (ctx.size < 0) throw new NotCompiled('last() outside a predicate');
          return ctx.size;
        };
      case 'position':
        arity(0);
        return (ctx) => {
          if (ctx.position < 0) throw new NotCompiled('position() outside a predicate');
          return ctx.position;
        };
      case 'count':
        arity(1);
        return (ctx) => nodeSet(args[0](ctx)).length;
      case 'local-name':
        arity(0, 1);
        return (ctx) => {
          const node = firstNode(ctx);
          return node && (node.kind === ELEMENT || node.kind === ATTRIBUTE || node.kind === PI) ? node.local : '';
        };
      case 'namespace-uri':
        arity(0, 1);
        return (ctx) => {
          const node = firstNode(ctx);
          return node && (node.kind === ELEMENT || node.kind === ATTRIBUTE) ? node.ns : '';
        };
      case 'name':
        arity(0, 1);
        return (ctx) => {
          const node = firstNode(ctx);
          if (!node) return '';
          if (node.kind === ELEMENT || node.kind === ATTRIBUTE) return node.qname();
          return node.kind === PI ? node.local : '';
        };
      case 'string':
        arity(0, 1);
        return n ? str(0) : ctxString;
      case 'concat': {
        if (n < 2) throw new NotCompiled('concat() needs two arguments');
        return (ctx) => {
          let s = '';
          for (const a of args) s += stringOf(a(ctx));
          return s;
        };
      }
      case 'starts-with': {
        arity(2);
        const [a, b] = [str(0), str(1)];
        return (ctx) => a(ctx).startsWith(b(ctx));
      }
      case 'contains': {
        arity(2);
        const [a, b] = [str(0), str(1)];
        return (ctx) => a(ctx).includes(b(ctx));
      }
      case 'substring-before': {
        arity(2);
        const [a, b] = [str(0), str(1)];
        return (ctx) => {
          const s = a(ctx);
          const at = s.indexOf(b(ctx));
          return at < 0 ? '' : s.slice(0, at);
        };
      }
      case 'substring-after': {
        arity(2);
        const [a, b] = [str(0), str(1)];
        return (ctx) => {
          const s = a(ctx);
          const t = b(ctx);
          const at = s.indexOf(t);
          return at < 0 ? '' : s.slice(at + t.length);
        };
      }
      case 'substring': {
        arity(2, 3);
        const s = str(0);
        const startOf = num(1);
        const lengthOf = n === 3 ? num(2) : null;
        return (ctx) => substring(s(ctx), startOf(ctx), lengthOf ? lengthOf(ctx) : undefined);
      }
      case 'string-length': {
        arity(0, 1);
        const s = n ? str(0) : ctxString;
        return (ctx) => {
          const v = s(ctx);
          return hasAstral(v) ? chars(v).length : v.length;
        };
      }
      case 'normalize-space': {
        arity(0, 1);
        const s = n ? str(0) : ctxString;
        return (ctx) => normalizeSpace(s(ctx));
      }
      case 'translate': {
        arity(3);
        const [s, from, to] = [str(0), str(1), str(2)];
        return (ctx) => translate(s(ctx), from(ctx), to(ctx));
      }
      case 'boolean':
        arity(1);
        return (ctx) => booleanOf(args[0](ctx));
      case 'not':
        arity(1);
        return (ctx) => !booleanOf(args[0](ctx));
      case 'true':
        arity(0);
        return () => true;
      case 'false':
        arity(0);
        return () => false;
      case 'number':
        arity(0, 1);
        return n ? num(0) : (ctx) => parseNumber(ctx.node.text());
      case 'sum':
        arity(1);
        return (ctx) => {
          let total = 0;
          for (const node of nodeSet(args[0](ctx))) total += parseNumber(node.text());
          return total;
        };
      case 'floor':
        arity(1);
        return (ctx) => Math.floor(numberOf(args[0](ctx)));
      case 'ceiling':
        arity(1);
        return (ctx) => Math.ceil(numberOf(args[0](ctx)));
      case 'round':
        arity(1);
        return (ctx) => round(numberOf(args[0](ctx)));
      default:
        throw new NotCompiled(`function ${name}()`);
    }
  }
}

function round(f: number): number {
  if (Number.isNaN(f) || !Number.isFinite(f)) return f;
  if (f >= -0.5 && f < 0.5) return f * 0;
  let r = Math.floor(f);
  if (f - r >= 0.5) r += 1;
  return r;
}

/** libxml2's xmlXPathSubstringFunction, on characters. */
function substring(s: string, start: number, length?: number): string {
  let i = 1;
  let j = INT_MAX;
  if (!(start < INT_MAX)) i = INT_MAX;
  else if (start >= 1) {
    i = Math.trunc(start);
    if (start - Math.floor(start) >= 0.5) i += 1;
  }
  if (length !== undefined) {
    let rin = Math.floor(start);
    if (start - rin >= 0.5) rin += 1;
    let rle = Math.floor(length);
    if (length - rle >= 0.5) rle += 1;
    const end = rin + rle;
    if (!(end >= 1)) j = 1;
    else if (end < INT_MAX) j = Math.trunc(end);
  }
  if (i >= j) return '';
  if (!hasAstral(s)) return s.slice(i - 1, j - 1);
  return chars(s)
    .slice(i - 1, j - 1)
    .join('');
}

function translate(s: string, from: string, to: string): string {
  const f = chars(from);
  const t = chars(to);
  const map = new Map<string, string | null>();
  f.forEach((c, k) => {
    if (!map.has(c)) map.set(c, k < t.length ? t[k] : null);
  });
  let out = '';
  for (const c of hasAstral(s) ? chars(s) : s) {
    const m = map.get(c);
    if (m === undefined) out += c;
    else if (m !== null) out += m;
  }
  return out;
}

function compareAtoms(op: string, a: XValue, b: XValue): boolean {
  if (op === '=' || op === '!=') {
    let eq: boolean;
    if (typeof a === 'boolean' || typeof b === 'boolean') eq = booleanOf(a) === booleanOf(b);
    else if (typeof a === 'number' || typeof b === 'number') eq = numberOf(a) === numberOf(b);
    else eq = stringOf(a) === stringOf(b);
    return op === '=' ? eq : !eq;
  }
  const x = numberOf(a);
  const y = numberOf(b);
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    default:
      return x >= y;
  }
}

/** XPath 1.0, 3.4: comparisons with node-sets are existential over the nodes' string-values. */
function compare(op: string, a: XValue, b: XValue): boolean {
  const aSet = Array.isArray(a);
  const bSet = Array.isArray(b);
  if (!aSet && !bSet) return compareAtoms(op, a, b);
  if (aSet && bSet) {
    for (const x of a as LightNode[]) {
      const xs = x.text();
      for (const y of b as LightNode[]) if (compareAtoms(op, xs, y.text())) return true;
    }
    return false;
  }
  const set = (aSet ? a : b) as LightNode[];
  const other = aSet ? b : a;
  if (typeof other === 'boolean') return aSet ? compareAtoms(op, booleanOf(set), other) : compareAtoms(op, other, booleanOf(set));
  for (const node of set) {
    const v: XValue = typeof other === 'number' ? parseNumber(node.text()) : node.text();
    if (aSet ? compareAtoms(op, v, other) : compareAtoms(op, other, v)) return true;
  }
  return false;
}
