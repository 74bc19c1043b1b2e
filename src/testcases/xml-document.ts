import { ParseOption, XmlDocument, type XmlNode } from 'libxml2-wasm';
import { XmlAttribute, XmlElement } from 'libxml2-wasm';
import { SamsvarError } from '../core/samsvar-error.js';

/**
 * Parsing for the assertions' view of a message. Submissions reach this only after the engine has
 * found no syntax error, but the parse is safe on its own: a DOCTYPE is refused before libxml2 sees
 * the bytes (no entity can be declared, so none is expanded), the network is off and external
 * entities are never loaded.
 */
const SAFE_OPTIONS =
  ParseOption.XML_PARSE_NONET |
  ParseOption.XML_PARSE_NO_XXE |
  ParseOption.XML_PARSE_BIG_LINES |
  ParseOption.XML_PARSE_NOERROR |
  ParseOption.XML_PARSE_NOWARNING;

function hasDoctype(bytes: Uint8Array): boolean {
  // NULs are dropped so a UTF-16 document's declaration is found as well; a literal "<!DOCTYPE"
  // can only appear in markup, a comment or CDATA, and refusing those rare texts is the safe side.
  const ascii = Buffer.from(bytes).toString('latin1').replace(/\0/g, '');
  return ascii.includes('<!DOCTYPE');
}

export function parseXml(input: Uint8Array | string): XmlDocument {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  if (hasDoctype(bytes)) throw new SamsvarError('unprocessable', 'the XML document has a DOCTYPE declaration; messages must not declare a DTD or entities');
  try {
    return XmlDocument.fromBuffer(bytes, { option: SAFE_OPTIONS });
  } catch (e) {
    throw new SamsvarError('unprocessable', `the XML document is not well-formed: ${(e as Error).message}`);
  }
}

/** Runs `fn` on a parsed document and frees the WebAssembly memory afterwards, whatever happens. */
export function withXml<T>(input: Uint8Array | string, fn: (doc: XmlDocument) => T): T {
  const doc = parseXml(input);
  try {
    return fn(doc);
  } finally {
    doc.dispose();
  }
}

function stepName(el: XmlElement, prefixes: Map<string, string>): string {
  const ns = el.namespaceUri;
  if (!ns) return el.name;
  const prefix = prefixes.get(ns);
  return prefix ? `${prefix}:${el.name}` : `*[local-name()='${el.name}']`;
}

function sameName(a: XmlElement, b: XmlElement): boolean {
  return a.name === b.name && a.namespaceUri === b.namespaceUri;
}

function elementStep(el: XmlElement, prefixes: Map<string, string>): string {
  let index = 1;
  let siblings = false;
  for (let n = el.prev; n; n = n.prev) if (n instanceof XmlElement && sameName(n, el)) index++;
  for (let n = el.next; n && !siblings; n = n.next) if (n instanceof XmlElement && sameName(n, el)) siblings = true;
  return index > 1 || siblings ? `${stepName(el, prefixes)}[${index}]` : stepName(el, prefixes);
}

/**
 * An XPath that selects `node` in the document, written with the prefixes of `namespaces`
 * (e.g. /mh:MsgHead/mh:MsgInfo/mh:Type/@V), and the node's line where libxml2 knows it.
 */
export function locate(node: XmlNode, namespaces: Record<string, string>): { xpath: string; line?: number } {
  const prefixes = new Map<string, string>();
  for (const [prefix, uri] of Object.entries(namespaces)) if (!prefixes.has(uri)) prefixes.set(uri, prefix);
  let attribute = '';
  let el: XmlElement | null = null;
  if (node instanceof XmlAttribute) {
    attribute = `/@${node.name}`;
    el = node.parent;
  } else if (node instanceof XmlElement) {
    el = node;
  } else {
    el = node.parent;
  }
  const line = (el ?? node).line || undefined;
  const steps: string[] = [];
  for (let e: XmlElement | null = el; e; e = e.parent) steps.unshift(elementStep(e, prefixes));
  return { xpath: `/${steps.join('/')}${attribute}`, line };
}
