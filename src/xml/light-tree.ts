import { XmlNodeSetStruct } from 'libxml2-wasm/lib/libxml2.mjs';
import * as libxml2Nodes from 'libxml2-wasm/lib/nodes.mjs';
import type { XmlDocument, XmlNode } from 'libxml2-wasm';

/**
 * A read-only JavaScript copy of the tree libxml2 parsed, made in one walk: the rule layers
 * (Schematron, code lists, identifiers) read it without a call into WebAssembly per node or per
 * XPath. It is not a second parse: every node, name, value and line is read from libxml2's own
 * structures in WebAssembly memory, so the layers see exactly the document libxml2 (and its XSD
 * validation) saw. Each node keeps libxml2's pointer, to hand a finding's node back as an XmlNode.
 */

export const ELEMENT = 1;
export const ATTRIBUTE = 2;
export const TEXT = 3;
export const PI = 7;
export const COMMENT = 8;
export const DOCUMENT = 9;

const NO_NODES: LightNode[] = [];
/** libxml2-wasm's own wrapper for a node pointer (marked internal in its types). */
const createNode = (libxml2Nodes as unknown as { createNode(ptr: number): XmlNode }).createNode;

// libxml2's structures (32-bit WebAssembly), read straight from WebAssembly memory: a read through
// libxml2-wasm's field readers costs a call each, and the walk makes thousands. libxml2-wasm hands out
// views of that memory (a node set's table); the memory they view is all we take from it. Memory can
// grow (and its buffer be replaced) only while libxml2 runs, never during a walk, so the views are
// taken again at the start of each walk.
let u32: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
let u8: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
function takeMemory(anyPointer: number): void {
  const buffer = XmlNodeSetStruct.nodeTable(anyPointer - 8, 0).buffer;
  if (u8.buffer !== buffer) {
    u32 = new Uint32Array(buffer);
    u8 = new Uint8Array(buffer);
  }
}
const readPtr = (address: number): number => u32[address >>> 2];
const utf8 = new TextDecoder();
/** The NUL-terminated UTF-8 string a char* field points at ('' for NULL). */
function readString(address: number): string {
  const at = u32[address >>> 2];
  if (!at) return '';
  let end = at;
  let ascii = true;
  while (u8[end] !== 0) {
    if (u8[end] >= 0x80) ascii = false;
    end++;
  }
  if (ascii && end - at < 64) {
    let s = '';
    for (let i = at; i < end; i++) s += String.fromCharCode(u8[i]);
    return s;
  }
  return utf8.decode(u8.subarray(at, end));
}

/**
 * Names (of elements, attributes, namespaces) as strings shared by every document: the same few
 * hundred recur in every message, and a shared string is built once and hashed once, where a fresh
 * one per document would be built from its bytes and hashed again at each lookup by name. Keyed by
 * a hash of the bytes and checked against them; bounded, so hostile names cannot fill it.
 */
const sharedNames = new Map<number, string>();
const MAX_SHARED_NAMES = 4096;
function readName(address: number): string {
  const at = u32[address >>> 2];
  if (!at) return '';
  let hash = 0x811c9dc5;
  let end = at;
  for (let c = u8[end]; c !== 0; c = u8[++end]) hash = Math.imul(hash ^ c, 0x01000193);
  const known = sharedNames.get(hash);
  if (known !== undefined && sameBytes(known, at, end)) return known;
  const name = readString(address);
  if (known === undefined && sharedNames.size < MAX_SHARED_NAMES) sharedNames.set(hash, name);
  return name;
}
/** Whether the ASCII string `s` spells the bytes from..to (a non-ASCII name never does: it is decoded each time). */
function sameBytes(s: string, from: number, to: number): boolean {
  if (s.length !== to - from) return false;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) !== u8[from + i]) return false;
  return true;
}

const TYPE = 4;
const NAME = 8;
const CHILDREN = 12;
const NEXT = 24;
const NS = 36;
const CONTENT = 40;
const PROPERTIES = 44;
const NS_HREF = 8;
const NS_PREFIX = 12;

export class LightNode {
  /** Position in document order (an element before its attributes, its attributes before its children). */
  order = 0;
  /**
   * An element's position among the document's elements (tree.elements), -1 for other nodes: the
   * same position as its start tag in the source map, which indexes start tags in document order.
   */
  index = -1;
  /** The order of the last node inside this one (its own order when it has no attributes or children). */
  end = 0;
  children: LightNode[] = NO_NODES;
  attributes: LightNode[] = NO_NODES;
  private stringValue?: string;

  constructor(
    readonly kind: number,
    /** libxml2's xmlNode (or xmlAttr, xmlDoc) pointer. */
    readonly ptr: number,
    readonly parent: LightNode | null,
    /** Local name (element, attribute), target (processing instruction), '' otherwise. */
    readonly local: string,
    readonly prefix: string,
    readonly ns: string,
    private content: string | undefined,
  ) {}

  /** Text, attribute value, comment or processing-instruction content, read from libxml2 when first asked for. */
  get value(): string {
    if (this.content === undefined) {
      // libxml2 may have grown its memory since the walk (a later parse or XSD run), which detaches
      // the views: take them again.
      if (u8.byteLength === 0) takeMemory(this.ptr);
      if (this.kind === ATTRIBUTE) {
        let value = '';
        for (let t = readPtr(this.ptr + CHILDREN); t; t = readPtr(t + NEXT)) value += readString(t + CONTENT);
        this.content = value;
      } else this.content = readString(this.ptr + CONTENT);
    }
    return this.content;
  }

  /** XPath's string-value: an element's or the document's text descendants, joined. */
  text(): string {
    if (this.kind !== ELEMENT && this.kind !== DOCUMENT) return this.value;
    if (this.stringValue === undefined) {
      if (this.children.length === 1 && this.children[0].kind === TEXT) this.stringValue = this.children[0].value;
      else {
        const parts: string[] = [];
        collectText(this, parts);
        this.stringValue = parts.join('');
      }
    }
    return this.stringValue;
  }

  /** The qualified name as XPath's name() gives it. */
  qname(): string {
    return this.prefix ? `${this.prefix}:${this.local}` : this.local;
  }

  /** The libxml2-wasm node for this node, for the locator. */
  xmlNode(): XmlNode {
    return createNode(this.ptr);
  }
}

function collectText(node: LightNode, parts: string[]): void {
  for (const c of node.children) {
    if (c.kind === TEXT) parts.push(c.value);
    else if (c.kind === ELEMENT) collectText(c, parts);
  }
}

export interface LightTree {
  readonly root: LightNode;
  /** Every element in document order. */
  readonly elements: LightNode[];
  /** Elements by namespace and local name, in document order. */
  elementsNamed(ns: string, local: string): LightNode[];
  /** The elements of that name inside `node` (its descendants), in document order. */
  descendantsNamed(node: LightNode, ns: string, local: string): LightNode[];
}

/** Builds the tree of a parsed document; strings are decoded once per distinct libxml2 name. */
export function buildLightTree(doc: XmlDocument): LightTree {
  const docPtr = (doc as unknown as { _ptr: number })._ptr;
  takeMemory(docPtr);
  const names = new Map<number, string>();
  const namespaces = new Map<number, { href: string; prefix: string }>();
  const nameOf = (ptr: number): string => {
    const at = readPtr(ptr + NAME);
    let s = names.get(at);
    if (s === undefined) names.set(at, (s = readName(ptr + NAME)));
    return s;
  };
  const nsOf = (ptr: number): { href: string; prefix: string } => {
    const nsPtr = readPtr(ptr + NS);
    if (!nsPtr) return NO_NS;
    let n = namespaces.get(nsPtr);
    if (!n) namespaces.set(nsPtr, (n = { href: readName(nsPtr + NS_HREF), prefix: readName(nsPtr + NS_PREFIX) }));
    return n;
  };
  const elements: LightNode[] = [];
  // By namespace, then local name: keyed by the strings the walk already holds (whose hashes V8
  // keeps), not by a string built per element, which costs a hash each time.
  const byName = new Map<string, Map<string, LightNode[]>>();
  let order = 0;
  const root = new LightNode(DOCUMENT, docPtr, null, '', '', '', '');
  root.order = order++;

  const walk = (parent: LightNode, first: number): void => {
    const children: LightNode[] = [];
    for (let p = first; p; p = readPtr(p + NEXT)) {
      const type = u32[(p + TYPE) >>> 2];
      if (type === ELEMENT) {
        const { href, prefix } = nsOf(p);
        const local = nameOf(p);
        const el = new LightNode(ELEMENT, p, parent, local, prefix, href, '');
        el.order = order++;
        el.index = elements.length;
        elements.push(el);
        let inNs = byName.get(href);
        if (!inNs) byName.set(href, (inNs = new Map()));
        const list = inNs.get(local);
        if (list) list.push(el);
        else inNs.set(local, [el]);
        const firstAttr = readPtr(p + PROPERTIES);
        if (firstAttr) {
          const attrs: LightNode[] = [];
          for (let a = firstAttr; a; a = readPtr(a + NEXT)) {
            const ans = nsOf(a);
            const attr = new LightNode(ATTRIBUTE, a, el, nameOf(a), ans.prefix, ans.href, undefined);
            attr.end = attr.order = order++;
            attrs.push(attr);
          }
          el.attributes = attrs;
        }
        children.push(el);
        const firstChild = readPtr(p + CHILDREN);
        if (firstChild) walk(el, firstChild);
        el.end = order - 1;
      } else if (type === TEXT || type === 4 /* CDATA: a text node to libxml2's XPath */) {
        const t = new LightNode(TEXT, p, parent, '', '', '', undefined);
        t.end = t.order = order++;
        children.push(t);
      } else if (type === COMMENT || type === PI) {
        const n = new LightNode(type, p, parent, type === PI ? nameOf(p) : '', '', '', undefined);
        n.end = n.order = order++;
        children.push(n);
      }
    }
    parent.children = children;
  };
  walk(root, readPtr(docPtr + CHILDREN));
  root.end = order - 1;
  const elementsNamed = (ns: string, local: string) => byName.get(ns)?.get(local) ?? NO_NODES;
  return {
    root,
    elements,
    elementsNamed,
    descendantsNamed(node, ns, local) {
      const all = elementsNamed(ns, local);
      if (node.kind === DOCUMENT) return all;
      // Binary search for the first element after `node`; its descendants are the run up to node.end.
      let lo = 0;
      let hi = all.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (all[mid].order <= node.order) lo = mid + 1;
        else hi = mid;
      }
      let to = lo;
      while (to < all.length && all[to].order <= node.end) to++;
      return to === lo ? NO_NODES : all.slice(lo, to);
    },
  };
}

const NO_NS = { href: '', prefix: '' };
