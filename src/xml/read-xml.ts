import { ParseOption, XmlDocument, XmlLibError, type XmlNode } from 'libxml2-wasm';
import type { Finding } from '../core/finding.js';
import type { LightNode } from './light-tree.js';
import { syntaxFinding } from '../core/rule-catalogue.js';
import { SamsvarError } from '../core/samsvar-error.js';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH } from './limits.js';
import { NodeLocator } from './node-locator.js';
import { prescan, type PrescanLimits } from './prescan.js';
import { SAFE_PARSE } from './profile-resolver.js';
import type { SourceMap } from './source-map.js';

/** Where a node stands in the source: line and column of its start tag and the engine's XPath (`/MsgHead/MsgInfo/Type/@V`). */
export type XmlLocation = Pick<Finding, 'line' | 'column' | 'xpath'>;

/**
 * A document as the engine read it: libxml2's tree, and a locator that points any node at its start
 * tag in the bytes. Every layer that looks into a message (schema, rules, code lists, identifiers,
 * test-case assertions) works on this one parse, so all of them report positions the same way.
 */
export interface ParsedXml {
  readonly doc: XmlDocument;
  readonly map: SourceMap;
  /** A node of libxml2's tree or of the light tree made from it. */
  locate(node: XmlNode | LightNode, attributeName?: string): XmlLocation;
}

/**
 * XML_PARSE_HUGE lifts libxml2's 10,000,000-character cap on one text node, so that a message up to
 * the size limit with one large attachment reads; its other effects (deeper nesting, larger entity
 * expansion) cannot be reached here, because the prescan has already bounded the size and depth and
 * refused any DOCTYPE (so there are no entities to expand).
 */
const PARSE_OPTIONS = SAFE_PARSE | ParseOption.XML_PARSE_BIG_LINES | ParseOption.XML_PARSE_HUGE;
const MAX_SYNTAX_FINDINGS = 20;

export const DEFAULT_LIMITS: PrescanLimits = { maxBytes: DEFAULT_MAX_BYTES, maxDepth: DEFAULT_MAX_DEPTH };

/**
 * The one way samsvar reads XML from outside: the prescan (size, encoding, DOCTYPE, depth) before
 * libxml2 sees a byte, then libxml2 with the network off and no external entities. The caller owns
 * the document and disposes it; on a syntax problem there is no document, only the findings.
 */
export function readXml(
  input: Uint8Array,
  limits: PrescanLimits = DEFAULT_LIMITS,
): { parsed: ParsedXml; findings: [] } | { parsed: undefined; findings: Finding[] } {
  const scan = prescan(input, limits);
  if (scan.fatal) return { parsed: undefined, findings: [scan.fatal] };
  let doc: XmlDocument;
  try {
    doc = XmlDocument.fromBuffer(input, { option: PARSE_OPTIONS });
  } catch (e) {
    return { parsed: undefined, findings: syntaxFindings(e) };
  }
  const locator = new NodeLocator(scan.map);
  return { parsed: { doc, map: scan.map, locate: (node, attributeName) => locator.locate(node, attributeName) }, findings: [] };
}

/**
 * Reads XML that is not a submission (a message template, a generated message handed back), runs
 * `fn` on it and frees the WebAssembly memory afterwards. Unreadable XML is refused with the syntax
 * finding's message and position.
 */
export function withXml<T>(input: Uint8Array | string, fn: (xml: ParsedXml) => T, limits: PrescanLimits = DEFAULT_LIMITS): T {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const { parsed, findings } = readXml(bytes, limits);
  if (!parsed) {
    const f = findings[0]!;
    throw new SamsvarError('unprocessable', `${f.message} (line ${f.line ?? 1}, column ${f.column ?? 1})`, { findings });
  }
  try {
    return fn(parsed);
  } finally {
    parsed.doc.dispose();
  }
}

function syntaxFindings(e: unknown): Finding[] {
  const details = e instanceof XmlLibError ? (e.details ?? []) : [];
  if (!details.length) {
    return [syntaxFinding('SYNTAX-MALFORMED', `The document is not well-formed XML: ${(e as Error).message?.trim()}`)];
  }
  return details
    .slice(0, MAX_SYNTAX_FINDINGS)
    .map((d) => syntaxFinding('SYNTAX-MALFORMED', `Not well-formed XML: ${d.message.trim()}`, { line: d.line || 1, column: d.col || 1 }));
}
