/**
 * A JSON parser that remembers where every value and key sits (1-based line and column), so a
 * finding can point a vendor at the exact spot. It refuses what a plain JSON.parse would let
 * through silently or dangerously: invalid UTF-8, duplicate keys, oversized input and nesting
 * deep enough to exhaust the stack.
 */
import type { Finding } from '../core/finding.js';
import { ruleFinding, type RuleId } from '../core/rule-catalogue.js';

export interface Position {
  line: number;
  column: number;
}

export type JsonNode =
  | (Position & { kind: 'object'; props: Map<string, JsonProperty> })
  | (Position & { kind: 'array'; items: JsonNode[] })
  | (Position & { kind: 'string'; value: string })
  | (Position & { kind: 'number'; value: number; raw: string })
  | (Position & { kind: 'boolean'; value: boolean })
  | (Position & { kind: 'null' });

export interface JsonProperty {
  key: string;
  keyPos: Position;
  value: JsonNode;
}

export interface JsonLimits {
  /** Default 25 MB. */
  maxBytes?: number;
  /** Default 200 levels of objects and arrays. */
  maxDepth?: number;
}

export const DEFAULT_JSON_LIMITS = { maxBytes: 25 * 1024 * 1024, maxDepth: 200 } as const;

export type ParseOutcome = { ok: true; root: JsonNode } | { ok: false; finding: Finding };

class JsonSyntaxError extends Error {
  constructor(
    readonly ruleId: Extract<RuleId, `SYNTAX-${string}`>,
    message: string,
    readonly pos: Position,
  ) {
    super(message);
  }
}

function syntaxFinding(ruleId: Extract<RuleId, `SYNTAX-${string}`>, message: string, pos?: Position): Finding {
  return ruleFinding(ruleId, message, pos ?? {});
}

/** Parses UTF-8 bytes into a positioned tree, or returns the one syntax finding that stopped it. */
export function parseJson(bytes: Uint8Array, limits: JsonLimits = {}): ParseOutcome {
  const maxBytes = limits.maxBytes ?? DEFAULT_JSON_LIMITS.maxBytes;
  const maxDepth = limits.maxDepth ?? DEFAULT_JSON_LIMITS.maxDepth;
  if (bytes.length > maxBytes) {
    return { ok: false, finding: syntaxFinding('SYNTAX-SIZE', `The resource is ${bytes.length} bytes; the limit is ${maxBytes} bytes`) };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return {
      ok: false,
      finding: syntaxFinding('SYNTAX-ENCODING', 'The resource is not valid UTF-8 (FHIR JSON must be UTF-8 encoded)', firstBadUtf8(bytes)),
    };
  }
  try {
    return { ok: true, root: new Parser(text, maxDepth).parseDocument() };
  } catch (e) {
    if (e instanceof JsonSyntaxError) return { ok: false, finding: syntaxFinding(e.ruleId, e.message, e.pos) };
    throw e;
  }
}

/** Line of the first byte sequence the decoder rejects, so the vendor can find it. */
function firstBadUtf8(bytes: Uint8Array): Position {
  let line = 1;
  let column = 1;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    const len = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 0;
    if (len === 0) return { line, column };
    try {
      decoder.decode(bytes.subarray(i, i + len));
    } catch {
      return { line, column };
    }
    if (b === 0x0a) {
      line++;
      column = 1;
    } else column++;
    i += len;
  }
  return { line, column };
}

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class Parser {
  private i = 0;
  private line = 1;
  private lineStart = 0;

  constructor(
    private readonly s: string,
    private readonly maxDepth: number,
  ) {
    if (s.charCodeAt(0) === 0xfeff) this.i = 1; // a byte order mark is tolerated
  }

  private pos(): Position {
    return { line: this.line, column: this.i - this.lineStart + 1 };
  }

  private fail(message: string, ruleId: Extract<RuleId, `SYNTAX-${string}`> = 'SYNTAX-JSON'): never {
    throw new JsonSyntaxError(ruleId, message, this.pos());
  }

  private ws(): void {
    const s = this.s;
    for (;;) {
      const c = s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x09 || c === 0x0d) this.i++;
      else if (c === 0x0a) {
        this.i++;
        this.line++;
        this.lineStart = this.i;
      } else return;
    }
  }

  parseDocument(): JsonNode {
    this.ws();
    if (this.i >= this.s.length) this.fail('The content is empty; a FHIR resource is a JSON object');
    const root = this.value(0);
    this.ws();
    if (this.i < this.s.length) this.fail(`Unexpected ${this.describe()} after the end of the JSON value`);
    return root;
  }

  private describe(): string {
    if (this.i >= this.s.length) return 'end of input';
    return `character '${this.s[this.i]}'`;
  }

  private value(depth: number): JsonNode {
    const pos = this.pos();
    const c = this.s[this.i];
    if (c === '{' || c === '[') {
      if (depth >= this.maxDepth) this.fail(`The JSON is nested more than ${this.maxDepth} levels deep; refused`, 'SYNTAX-DEPTH');
      return c === '{' ? this.object(pos, depth + 1) : this.array(pos, depth + 1);
    }
    if (c === '"') return { kind: 'string', value: this.string(), ...pos };
    if (c === 't' || c === 'f' || c === 'n') return this.literal(pos);
    if (c === '-' || (c >= '0' && c <= '9')) return this.number(pos);
    this.fail(`Expected a JSON value but found ${this.describe()}`);
  }

  private object(pos: Position, depth: number): JsonNode {
    this.i++;
    const props = new Map<string, JsonProperty>();
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return { kind: 'object', props, ...pos };
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail(`Expected a property name in double quotes but found ${this.describe()}`);
      const keyPos = this.pos();
      const key = this.string();
      if (props.has(key))
        throw new JsonSyntaxError(
          'SYNTAX-JSON-DUPLICATE-KEY',
          `Property "${key}" appears twice in the same object (JSON for FHIR forbids duplicate keys)`,
          keyPos,
        );
      this.ws();
      if (this.s[this.i] !== ':') this.fail(`Expected ':' after property name "${key}" but found ${this.describe()}`);
      this.i++;
      this.ws();
      props.set(key, { key, keyPos, value: this.value(depth) });
      this.ws();
      const c = this.s[this.i];
      this.i++;
      if (c === '}') return { kind: 'object', props, ...pos };
      if (c !== ',') {
        this.i--;
        this.fail(`Expected ',' or '}' in object but found ${this.describe()}`);
      }
    }
  }

  private array(pos: Position, depth: number): JsonNode {
    this.i++;
    const items: JsonNode[] = [];
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return { kind: 'array', items, ...pos };
    }
    for (;;) {
      this.ws();
      items.push(this.value(depth));
      this.ws();
      const c = this.s[this.i];
      this.i++;
      if (c === ']') return { kind: 'array', items, ...pos };
      if (c !== ',') {
        this.i--;
        this.fail(`Expected ',' or ']' in array but found ${this.describe()}`);
      }
    }
  }

  private string(): string {
    const s = this.s;
    this.i++;
    let out = '';
    let start = this.i;
    for (;;) {
      if (this.i >= s.length) this.fail('Unterminated string');
      const c = s.charCodeAt(this.i);
      if (c === 0x22) {
        out += s.slice(start, this.i);
        this.i++;
        return out;
      }
      if (c === 0x5c) {
        out += s.slice(start, this.i);
        const e = s[this.i + 1];
        if (e === 'u') {
          const hex = s.slice(this.i + 2, this.i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('Invalid \\u escape in string');
          out += String.fromCharCode(parseInt(hex, 16));
          this.i += 6;
        } else if (e !== undefined && ESCAPES[e] !== undefined) {
          out += ESCAPES[e];
          this.i += 2;
        } else this.fail(`Invalid escape '\\${e ?? ''}' in string`);
        start = this.i;
        continue;
      }
      if (c < 0x20) this.fail('Unescaped control character in string (use \\n, \\t or \\u escapes)');
      this.i++;
    }
  }

  private literal(pos: Position): JsonNode {
    for (const [word, node] of [
      ['true', { kind: 'boolean', value: true }],
      ['false', { kind: 'boolean', value: false }],
      ['null', { kind: 'null' }],
    ] as const) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return { ...node, ...pos } as JsonNode;
      }
    }
    this.fail(`Expected a JSON value but found ${this.describe()}`);
  }

  private number(pos: Position): JsonNode {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 400));
    if (!m) this.fail('Invalid number');
    const raw = m[0];
    this.i += raw.length;
    return { kind: 'number', value: Number(raw), raw, ...pos };
  }
}

const plainOf = new WeakMap<JsonNode, unknown>();

/**
 * The plain JavaScript value of a node, as JSON.parse would give it (for the FHIRPath engine).
 * Objects and arrays are remembered, so a node inside an already converted tree yields the very
 * object that sits in its parent's plain value.
 */
export function toPlain(node: JsonNode): unknown {
  switch (node.kind) {
    case 'object': {
      const cached = plainOf.get(node);
      if (cached !== undefined) return cached;
      const o: Record<string, unknown> = {};
      for (const [k, p] of node.props) {
        // `__proto__` stays an own data property, as JSON.parse makes it, instead of replacing the prototype.
        if (k === '__proto__')
          Object.defineProperty(o, k, { value: toPlain(p.value), enumerable: true, writable: true, configurable: true });
        else o[k] = toPlain(p.value);
      }
      plainOf.set(node, o);
      return o;
    }
    case 'array': {
      const cached = plainOf.get(node);
      if (cached !== undefined) return cached;
      const a = node.items.map(toPlain);
      plainOf.set(node, a);
      return a;
    }
    case 'null':
      return null;
    default:
      return node.value;
  }
}
