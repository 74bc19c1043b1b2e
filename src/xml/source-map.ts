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
  private children?: number[][];

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

  /** 1-based line and column; columns count characters, not bytes. */
  position(offset: number): { line: number; column: number } {
    const lo = this.lineIndex(offset);
    let column = 1;
    for (let i = this.lineStarts![lo]; i < offset; i++) {
      // UTF-8 continuation bytes do not start a character.
      if (this.encoding === 'iso-8859-1' || (this.bytes[i] & 0xc0) !== 0x80) column++;
    }
    return { line: lo + 1, column };
  }

  /** The one element with this local name whose start tag begins on `line`, if exactly one does. */
  uniqueElementOnLine(line: number, localName: string): number | undefined {
    if (!this.byLine) {
      this.byLine = new Map();
      this.starts.forEach((start, i) => {
        const l = this.lineIndex(start) + 1;
        const list = this.byLine!.get(l);
        if (list) list.push(i);
        else this.byLine!.set(l, [i]);
      });
    }
    const found = (this.byLine.get(line) ?? []).filter((i) => localPart(this.qname(i)) === localName);
    return found.length === 1 ? found[0] : undefined;
  }
  private byLine?: Map<number, number[]>;

  /** Qualified name of element `i` as written in the document. */
  qname(i: number): string {
    let end = this.starts[i] + 1;
    const b = this.bytes;
    while (end < b.length && b[end] !== 0x20 && b[end] !== 0x09 && b[end] !== 0x0a && b[end] !== 0x0d && b[end] !== 0x2f && b[end] !== 0x3e) end++;
    return decode(b.subarray(this.starts[i] + 1, end), this.encoding);
  }

  childrenOf(i: number): number[] {
    if (!this.children) {
      this.children = this.starts.map(() => []);
      this.rootChildren = [];
      this.parents.forEach((p, idx) => (p < 0 ? this.rootChildren! : this.children![p]).push(idx));
    }
    return i < 0 ? this.rootChildren! : this.children[i];
  }
  private rootChildren?: number[];

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
      const candidates = this.childrenOf(current).filter((c) => name === '*' || this.qname(c) === name || localPart(this.qname(c)) === name);
      const next = candidates[nth - 1];
      if (next === undefined) return current >= 0 ? current : undefined;
      current = next;
    }
    return current >= 0 ? current : undefined;
  }

  /** A readable XPath: qualified names as written, with a position only where siblings share the name. */
  readablePath(i: number): string {
    const parts: string[] = [];
    for (let cur = i; cur >= 0; cur = this.parents[cur]) {
      const name = this.qname(cur);
      const siblings = this.childrenOf(this.parents[cur]).filter((s) => this.qname(s) === name);
      parts.push(siblings.length > 1 ? `${name}[${siblings.indexOf(cur) + 1}]` : name);
    }
    return `/${parts.reverse().join('/')}`;
  }

  /** Offset of attribute `name` inside the start tag of element `i`, or the tag's offset. */
  attributeOffset(i: number, name: string): number {
    const b = this.bytes;
    const start = this.starts[i];
    let end = start;
    while (end < b.length && b[end] !== 0x3e) end++;
    const tag = decode(b.subarray(start, end), 'iso-8859-1');
    const m = new RegExp(`\\s${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*=`).exec(tag);
    return m ? start + m.index + 1 : start;
  }
}

function localPart(qname: string): string {
  const colon = qname.indexOf(':');
  return colon < 0 ? qname : qname.slice(colon + 1);
}

function computeLineStarts(bytes: Uint8Array): number[] {
  const starts = [0];
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) starts.push(i + 1);
  return starts;
}

const decoders = { 'utf-8': new TextDecoder('utf-8'), 'iso-8859-1': new TextDecoder('latin1') };
function decode(bytes: Uint8Array, encoding: 'utf-8' | 'iso-8859-1'): string {
  return decoders[encoding].decode(bytes);
}
