import { isXmlSpace } from './xml-space.js';

/**
 * Positions in the raw message bytes: line and column (in characters) of an offset, and an index
 * of every element's start tag so that a node found by libxml2 or XPath can be pointed at exactly,
 * even in a message written on one line.
 */
export class SourceMap {
  /** Byte offset of each element's `<`, in document order. */
  readonly starts: number[] = [];
  /** Index of each element's parent element, -1 for the root. */
  readonly parents: number[] = [];
  private lineStarts?: number[];
  /** Characters before each COLUMN_BLOCK-byte block, so a column costs one block's count, not the line's. */
  private charsBeforeBlock?: Uint32Array;
  private children?: number[][];
  private rootChildren?: number[];
  private qnames?: string[];
  /** Per line: local name → the one element of that name starting there, or -1 when several do. */
  private byLine?: Map<number, Map<string, number>>;
  /** Per parent: child name (qualified and local) → children of that name in document order. */
  private childrenByName = new Map<number, Map<string, number[]>>();
  /** Per element: 1-based position among its same-named siblings, and how many there are. */
  private sameName?: { rank: Int32Array; count: Int32Array };

  constructor(
    readonly bytes: Uint8Array,
    readonly encoding: 'utf-8' | 'iso-8859-1',
  ) {}

  addElement(start: number, parent: number): number {
    this.starts.push(start);
    this.parents.push(parent);
    return this.starts.length - 1;
  }

  /** 0-based index of the line holding `offset`. */
  private lineIndex(offset: number): number {
    const starts = (this.lineStarts ??= computeLineStarts(this.bytes));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Characters (not bytes) before `offset`: UTF-8 continuation bytes do not start a character. */
  private charsBefore(offset: number): number {
    if (this.encoding === 'iso-8859-1') return offset;
    const blocks = (this.charsBeforeBlock ??= computeBlockChars(this.bytes));
    const block = Math.floor(offset / COLUMN_BLOCK);
    let chars = blocks[block];
    for (let i = block * COLUMN_BLOCK; i < offset; i++) if ((this.bytes[i] & 0xc0) !== 0x80) chars++;
    return chars;
  }

  /** 1-based line and column; columns count characters, not bytes. */
  position(offset: number): { line: number; column: number } {
    const lo = this.lineIndex(offset);
    const lineStart = this.lineStarts![lo];
    // A short stretch is counted directly; a long line (a one-line message) by its blocks' counts.
    if (this.encoding === 'utf-8' && offset - lineStart <= COLUMN_BLOCK) {
      let column = 1;
      for (let i = lineStart; i < offset; i++) if ((this.bytes[i] & 0xc0) !== 0x80) column++;
      return { line: lo + 1, column };
    }
    return { line: lo + 1, column: this.charsBefore(offset) - this.charsBefore(lineStart) + 1 };
  }

  /** The one element with this local name whose start tag begins on `line`, if exactly one does. */
  uniqueElementOnLine(line: number, localName: string): number | undefined {
    if (!this.byLine) {
      this.byLine = new Map();
      this.starts.forEach((start, i) => {
        const l = this.lineIndex(start) + 1;
        let names = this.byLine!.get(l);
        if (!names) this.byLine!.set(l, (names = new Map()));
        const local = localPart(this.qname(i));
        names.set(local, names.has(local) ? -1 : i);
      });
    }
    const found = this.byLine.get(line)?.get(localName);
    return found === undefined || found < 0 ? undefined : found;
  }

  /** Qualified name of element `i` as written in the document. */
  qname(i: number): string {
    const names = (this.qnames ??= []);
    let name = names[i];
    if (name === undefined) {
      let end = this.starts[i] + 1;
      const b = this.bytes;
      while (
        end < b.length &&
        b[end] !== 0x20 &&
        b[end] !== 0x09 &&
        b[end] !== 0x0a &&
        b[end] !== 0x0d &&
        b[end] !== 0x2f &&
        b[end] !== 0x3e
      )
        end++;
      name = names[i] = decode(b.subarray(this.starts[i] + 1, end), this.encoding);
    }
    return name;
  }

  childrenOf(i: number): number[] {
    if (!this.children) {
      this.children = this.starts.map(() => []);
      this.rootChildren = [];
      this.parents.forEach((p, idx) => (p < 0 ? this.rootChildren! : this.children![p]).push(idx));
    }
    return i < 0 ? this.rootChildren! : this.children[i];
  }

  /** Children of `parent` whose qualified or local name is `name`, in document order. */
  private childrenNamed(parent: number, name: string): number[] {
    let byName = this.childrenByName.get(parent);
    if (!byName) {
      byName = new Map();
      for (const c of this.childrenOf(parent)) {
        const q = this.qname(c);
        const local = localPart(q);
        for (const key of q === local ? [q] : [q, local]) {
          const list = byName.get(key);
          if (list) list.push(c);
          else byName.set(key, [c]);
        }
      }
      this.childrenByName.set(parent, byName);
    }
    return byName.get(name) ?? [];
  }

  /**
   * Resolves a child-position path as libxml2 writes it (`/*` `/*[2]`, or `/name[3]` for elements
   * without a namespace) to an element index.
   */
  resolvePositionalPath(xpath: string): number | undefined {
    const steps = xpath.split('/').filter(Boolean);
    let current = -1;
    for (const step of steps) {
      const m = /^([^[\]@]+)(?:\[(\d+)\])?$/.exec(step);
      if (!m) return current >= 0 ? current : undefined;
      const name = m[1];
      const nth = m[2] ? Number(m[2]) : 1;
      const next = (name === '*' ? this.childrenOf(current) : this.childrenNamed(current, name))[nth - 1];
      if (next === undefined) return current >= 0 ? current : undefined;
      current = next;
    }
    return current >= 0 ? current : undefined;
  }

  /** A readable XPath: qualified names as written, with a position only where siblings share the name. */
  readablePath(i: number): string {
    const { rank, count } = (this.sameName ??= this.computeSameName());
    const parts: string[] = [];
    for (let cur = i; cur >= 0; cur = this.parents[cur]) {
      const name = this.qname(cur);
      parts.push(count[cur] > 1 ? `${name}[${rank[cur]}]` : name);
    }
    return `/${parts.reverse().join('/')}`;
  }

  private computeSameName(): { rank: Int32Array; count: Int32Array } {
    const rank = new Int32Array(this.starts.length);
    const count = new Int32Array(this.starts.length);
    const seen = new Map<string, number>();
    for (let i = 0; i < this.starts.length; i++) {
      const key = `${this.parents[i]} ${this.qname(i)}`;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      rank[i] = n;
    }
    for (let i = 0; i < this.starts.length; i++) count[i] = seen.get(`${this.parents[i]} ${this.qname(i)}`)!;
    return { rank, count };
  }

  /**
   * Offset of attribute `name` inside the start tag of element `i`, or the tag's offset. The tag's
   * bytes are compared with the name's bytes in place: decoding the tag and building a pattern per
   * finding cost more than the rest of locating it. Quoted values are skipped, so ` V=` written
   * inside another attribute's value is not taken for the attribute.
   */
  attributeOffset(i: number, name: string): number {
    const b = this.bytes;
    const start = this.starts[i];
    const want = nameBytes(name, this.encoding);
    if (!want) return start;
    let quote = 0;
    for (let j = start + 1; j < b.length; j++) {
      const c = b[j];
      if (quote) {
        if (c === quote) quote = 0;
      } else if (c === 0x22 || c === 0x27) quote = c;
      else if (c === 0x3e) break;
      else if (isXmlSpace(c) && startsWithBytes(b, j + 1, want)) {
        let k = j + 1 + want.length;
        while (isXmlSpace(b[k])) k++;
        if (b[k] === 0x3d /* = */) return j + 1;
      }
    }
    return start;
  }
}

function startsWithBytes(b: Uint8Array, at: number, want: Uint8Array): boolean {
  if (at + want.length > b.length) return false;
  for (let k = 0; k < want.length; k++) if (b[at + k] !== want[k]) return false;
  return true;
}

const utf8Encoder = new TextEncoder();
/** The name as the document's bytes; undefined if the encoding cannot hold it (so it cannot be there). */
function nameBytes(name: string, encoding: 'utf-8' | 'iso-8859-1'): Uint8Array | undefined {
  if (encoding === 'utf-8') return utf8Encoder.encode(name);
  const out = new Uint8Array(name.length);
  for (let k = 0; k < name.length; k++) {
    const c = name.charCodeAt(k);
    if (c > 0xff) return undefined;
    out[k] = c;
  }
  return out;
}

const COLUMN_BLOCK = 4096;

function computeBlockChars(bytes: Uint8Array): Uint32Array {
  const blocks = new Uint32Array(Math.floor(bytes.length / COLUMN_BLOCK) + 1);
  let chars = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i % COLUMN_BLOCK === 0) blocks[i / COLUMN_BLOCK] = chars;
    if (i < bytes.length && (bytes[i] & 0xc0) !== 0x80) chars++;
  }
  return blocks;
}

function localPart(qname: string): string {
  const colon = qname.indexOf(':');
  return colon < 0 ? qname : qname.slice(colon + 1);
}

function computeLineStarts(bytes: Uint8Array): number[] {
  const starts = [0];
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) starts.push(i + 1);
  return starts;
}

const decoders = { 'utf-8': new TextDecoder('utf-8'), 'iso-8859-1': new TextDecoder('latin1') };
function decode(bytes: Uint8Array, encoding: 'utf-8' | 'iso-8859-1'): string {
  return decoders[encoding].decode(bytes);
}
