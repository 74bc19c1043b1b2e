import { XmlAttribute, XmlElement, type XmlNode } from 'libxml2-wasm';
import type { Finding } from '../core/finding.js';
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

  constructor(private readonly map: SourceMap) {}

  locate(node: XmlNode, attributeName?: string): Pick<Finding, 'line' | 'column' | 'xpath'> {
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
