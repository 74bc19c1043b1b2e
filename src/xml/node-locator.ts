import { XmlAttribute, XmlElement, type XmlNode } from 'libxml2-wasm';
import type { Finding } from '../core/finding.js';
import { ATTRIBUTE, ELEMENT, LightNode } from './light-tree.js';
import type { SourceMap } from './source-map.js';

const pointer = (n: XmlNode) => (n as unknown as { _nodePtr: number })._nodePtr;

/**
 * Points a node found by libxml2 or XPath at its start tag in the source, for one document.
 * Usually one element of that name starts on the node's line, which is cheap to look up; otherwise
 * (one-line messages) the node's child positions decide. Each parent's children are numbered once,
 * so a message with many findings among many siblings costs linear, not quadratic, time.
 */
export class NodeLocator {
  /** Per parent element: each child element's 1-based position. */
  private readonly positions = new Map<number, Map<number, number>>();

  /** Per light-tree element: 1-based position among its same-named sibling elements. */
  private readonly ranks = new Map<LightNode, number>();
  /** Per light-tree parent: how many child elements bear each qualified name. */
  private readonly counts = new Map<LightNode, Map<string, number>>();

  constructor(private readonly map: SourceMap) {}

  locate(node: XmlNode | LightNode, attributeName?: string): Pick<Finding, 'line' | 'column' | 'xpath'> {
    return node instanceof LightNode ? this.locateLight(node, attributeName) : this.locateXml(node, attributeName);
  }

  /**
   * A node of the light tree: its element's index is its start tag's in the source map (both count
   * elements in document order), so nothing is searched. Should the two ever disagree on the name,
   * the node is located through libxml2 as any other.
   */
  private locateLight(node: LightNode, attributeName?: string): Pick<Finding, 'line' | 'column' | 'xpath'> {
    const attr = attributeName ?? (node.kind === ATTRIBUTE ? node.local : undefined);
    let owner: LightNode | null = node.kind === ATTRIBUTE ? node.parent : node;
    while (owner && owner.kind !== ELEMENT) owner = owner.parent;
    const map = this.map;
    if (!owner || owner.index >= map.starts.length || localPart(map.qname(owner.index)) !== owner.local)
      return this.locateXml(node.xmlNode(), attributeName);
    const offset = attr ? map.attributeOffset(owner.index, attr) : map.starts[owner.index];
    return { ...map.position(offset), xpath: this.readablePath(owner) + (attr ? `/@${attr}` : '') };
  }

  /** As SourceMap.readablePath: qualified names, with a position only where siblings share the name. */
  private readablePath(element: LightNode): string {
    const parts: string[] = [];
    for (let el: LightNode | null = element; el && el.kind === ELEMENT; el = el.parent) {
      const name = el.qname();
      parts.push(this.sameNamed(el, name) > 1 ? `${name}[${this.ranks.get(el)}]` : name);
    }
    return `/${parts.reverse().join('/')}`;
  }

  /** How many siblings (itself included) bear the element's name; numbers the parent's children once. */
  private sameNamed(el: LightNode, name: string): number {
    const parent = el.parent!;
    let counts = this.counts.get(parent);
    if (!counts) {
      counts = new Map();
      for (const c of parent.children) {
        if (c.kind !== ELEMENT) continue;
        const q = c.qname();
        const n = (counts.get(q) ?? 0) + 1;
        counts.set(q, n);
        this.ranks.set(c, n);
      }
      this.counts.set(parent, counts);
    }
    return counts.get(name)!;
  }

  private locateXml(node: XmlNode, attributeName?: string): Pick<Finding, 'line' | 'column' | 'xpath'> {
    const map = this.map;
    const attr = attributeName ?? (node instanceof XmlAttribute ? node.name : undefined);
    const owner = node instanceof XmlAttribute ? node.parent : node;
    let element = owner instanceof XmlElement ? map.uniqueElementOnLine(owner.line, owner.name) : undefined;
    element ??= map.resolvePositionalPath(this.positionalPath(node));
    if (element === undefined) return { line: node.line || 1, column: 1 };
    const offset = attr ? map.attributeOffset(element, attr) : map.starts[element];
    return { ...map.position(offset), xpath: map.readablePath(element) + (attr ? `/@${attr}` : '') };
  }

  /** Child-position path of a node (`/*[1]/*[3]`), so that it maps onto the source map's start tags. */
  private positionalPath(node: XmlNode): string {
    let cur: XmlNode | null = node instanceof XmlAttribute ? node.parent : node;
    while (cur && !(cur instanceof XmlElement)) cur = cur.parent;
    const steps: string[] = [];
    for (let el: XmlNode | null = cur; el instanceof XmlElement; el = el.parent) steps.push(`*[${this.position(el)}]`);
    return `/${steps.reverse().join('/')}`;
  }

  private position(el: XmlElement): number {
    const parent = el.parent;
    if (!(parent instanceof XmlElement)) {
      let index = 1;
      for (let p = el.prev; p; p = p.prev) if (p instanceof XmlElement) index++;
      return index;
    }
    let numbered = this.positions.get(pointer(parent));
    if (!numbered) {
      numbered = new Map();
      let index = 0;
      for (let c = parent.firstChild; c; c = c.next) if (c instanceof XmlElement) numbered.set(pointer(c), ++index);
      this.positions.set(pointer(parent), numbered);
    }
    return numbered.get(pointer(el)) ?? 1;
  }
}

function localPart(qname: string): string {
  return qname.slice(qname.indexOf(':') + 1);
}
