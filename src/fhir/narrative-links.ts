/**
 * Where a narrative's links and images point (FHIR R4 Narrative.div), as the HL7 validator checks
 * them: a `#fragment` must name an element of the resource (its id, or an `id` or `<a name>` in its
 * narratives; failing that, of the Bundle it sits in), an image `#fragment` exactly one element id,
 * and an absolute link must be one a reader can follow: no active content (`javascript:`,
 * `vbscript:`) and no identifier that is not a location (`urn:`, `cid:`).
 *
 * The div is read by a scanner of tags rather than an XML parser: txt-1 (htmlChecks()) already
 * judges its well-formedness, and a scanner cannot be made to expand entities, recurse or
 * backtrack, whatever the narrative holds. Every step moves forward through the string.
 */
import type { Severity } from '../core/finding.js';

export interface NarrativeLinkProblem {
  severity: Severity;
  message: string;
}

interface Tag {
  name: string;
  closing: boolean;
  selfClosing: boolean;
  attributes: Map<string, string>;
  /** Index just after the tag's `>`. */
  end: number;
}

/** The index of the `>` that ends the tag starting at `start`, outside quoted attribute values; -1 when there is none. */
function tagEnd(s: string, start: number): number {
  let quote = '';
  for (let i = start + 1; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i;
  }
  return -1;
}

const SPACE = /\s/;
const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);/g, (whole, e: string) => {
    if (e[0] !== '#') return XML_ENTITIES[e]!;
    const code = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** `name="value"` pairs of a tag's inside, read left to right (a name without a quoted value ends the reading). */
function readAttributes(inside: string): Map<string, string> {
  const attributes = new Map<string, string>();
  let i = 0;
  const skipSpace = () => {
    while (i < inside.length && SPACE.test(inside[i]!)) i++;
  };
  while (i < inside.length) {
    skipSpace();
    const nameStart = i;
    while (i < inside.length && !SPACE.test(inside[i]!) && inside[i] !== '=' && inside[i] !== '/') i++;
    const name = inside.slice(nameStart, i);
    skipSpace();
    if (!name || inside[i] !== '=') {
      if (inside[i] === '/') i++;
      else if (!name) break;
      continue;
    }
    i++;
    skipSpace();
    const quote = inside[i];
    if (quote !== '"' && quote !== "'") break;
    const close = inside.indexOf(quote, i + 1);
    if (close < 0) break;
    attributes.set(name, decodeEntities(inside.slice(i + 1, close)));
    i = close + 1;
  }
  return attributes;
}

/** The tags of an XHTML fragment in order; comments, CDATA sections and declarations are stepped over. */
function* tags(s: string): Generator<Tag> {
  let i = 0;
  while ((i = s.indexOf('<', i)) >= 0) {
    const skip = s.startsWith('<!--', i) ? '-->' : s.startsWith('<![CDATA[', i) ? ']]>' : s[i + 1] === '?' || s[i + 1] === '!' ? '>' : '';
    if (skip) {
      const e = s.indexOf(skip, i + 2);
      if (e < 0) return;
      i = e + skip.length;
      continue;
    }
    const e = tagEnd(s, i);
    if (e < 0) return;
    const closing = s[i + 1] === '/';
    const nameStart = i + (closing ? 2 : 1);
    let nameEnd = nameStart;
    while (nameEnd < e && !SPACE.test(s[nameEnd]!) && s[nameEnd] !== '/') nameEnd++;
    const selfClosing = s[e - 1] === '/';
    const name = s.slice(nameStart, nameEnd);
    const localName = name.includes(':') ? name.slice(name.indexOf(':') + 1) : name;
    yield {
      name: localName,
      closing,
      selfClosing,
      attributes: closing ? new Map() : readAttributes(s.slice(nameEnd, selfClosing ? e - 1 : e)),
      end: e + 1,
    };
    i = e + 1;
  }
}

/** How many times each fragment is defined: element ids of the tree, and ids (and, for links, `<a name>`) in its narratives. */
interface Anchors {
  forLinks: Map<string, number>;
  forImages: Map<string, number>;
}

const anchorsOf = new WeakMap<object, Anchors>();

function count(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function anchors(tree: unknown): Anchors {
  if (tree !== null && typeof tree === 'object') {
    const known = anchorsOf.get(tree);
    if (known) return known;
  }
  const found: Anchors = { forLinks: new Map(), forImages: new Map() };
  const stack: unknown[] = [tree];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      for (const item of v) stack.push(item);
    } else if (v !== null && typeof v === 'object') {
      for (const [key, value] of Object.entries(v)) {
        if (key === 'id' && typeof value === 'string') {
          count(found.forLinks, value);
          count(found.forImages, value);
        } else if (key === 'div' && typeof value === 'string') {
          for (const tag of tags(value)) {
            const id = tag.attributes.get('id');
            if (id !== undefined) {
              count(found.forLinks, id);
              count(found.forImages, id);
            }
            const name = tag.name === 'a' ? tag.attributes.get('name') : undefined;
            if (name !== undefined) count(found.forLinks, name);
          }
        } else if (typeof value === 'object') stack.push(value);
      }
    }
  }
  if (tree !== null && typeof tree === 'object') anchorsOf.set(tree, found);
  return found;
}

const ACTIVE_SCHEMES = new Set(['javascript', 'vbscript']);
const NOT_LOCATIONS = new Set(['urn', 'cid']);
const KNOWN_SCHEMES = new Set(['http', 'https', 'tel', 'mailto', 'data']);
const LOWERCASE_TOKEN = /^[a-z][a-z0-9_[\]]*$/;

/** The scheme of an absolute URL as the HL7 validator reads one (a lower-case token, something after the colon, no space), else undefined. */
function absoluteScheme(href: string): string | undefined {
  const colon = href.indexOf(':');
  if (colon < 0) return undefined;
  const scheme = href.slice(0, colon);
  const rest = href.slice(colon + 1);
  return LOWERCASE_TOKEN.test(scheme) && rest.length > 0 && !rest.includes(' ') ? scheme : undefined;
}

const MAX_SHOWN = 60;
const shown = (s: string) => (s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN - 3)}...` : s);

/** The text a reader sees of an element, from its start tag's end to its matching end tag, whitespace collapsed. */
function textFrom(s: string, from: number): string {
  const slice = s.slice(from, from + 2000);
  const close = slice.indexOf('</a');
  return decodeEntities((close < 0 ? slice : slice.slice(0, close)).replace(/<[^<>]*>/g, ''))
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The problems of the links and images in one narrative div. `resource` and `bundle` are the
 * plain JSON of the resource the narrative belongs to and of the Bundle it sits in, if any.
 */
export function narrativeLinkProblems(div: string, resource: unknown, bundle?: unknown): NarrativeLinkProblem[] {
  const problems: NarrativeLinkProblem[] = [];
  const open: string[] = [];
  const where = () => (open.length > 12 ? `.../${open.slice(-12).join('/')}` : open.join('/'));
  const matches = (fragment: string, kind: keyof Anchors) => {
    const n = anchors(resource)[kind].get(fragment) ?? 0;
    return n === 0 && kind === 'forLinks' && bundle !== undefined ? (anchors(bundle).forLinks.get(fragment) ?? 0) : n;
  };
  for (const tag of tags(div)) {
    if (tag.closing) {
      const at = open.lastIndexOf(tag.name);
      if (at >= 0) open.length = at;
      continue;
    }
    open.push(tag.name);
    const href = tag.name === 'a' ? tag.attributes.get('href') : undefined;
    const src = tag.name === 'img' ? tag.attributes.get('src') : undefined;
    if (href !== undefined) {
      const link = () => `Narrative link '${shown(href)}' at ${where()} ('${shown(textFrom(div, tag.end))}')`;
      if (href.trim() === '') {
        problems.push({
          severity: 'error',
          message: `Narrative link at ${where()} ('${shown(textFrom(div, tag.end))}') has an empty href`,
        });
      } else if (href.startsWith('#') && href !== '#') {
        const n = matches(href.slice(1), 'forLinks');
        if (n === 0)
          problems.push({
            severity: 'error',
            message: `${link()} does not resolve: no element of the resource has id '${shown(href.slice(1))}', nor an element of its narrative an id or name`,
          });
        else if (n > 1) problems.push({ severity: 'warning', message: `${link()} matches ${n} elements; a fragment should name one` });
      } else {
        const scheme = absoluteScheme(href);
        if (scheme && ACTIVE_SCHEMES.has(scheme))
          problems.push({ severity: 'error', message: `${link()} uses the '${scheme}' scheme: a narrative holds no active content` });
        else if (scheme && NOT_LOCATIONS.has(scheme))
          problems.push({
            severity: 'error',
            message: `${link()} uses the '${scheme}' scheme, which names something but is no location a reader can follow; link to an http(s) address or to '#id' within the resource`,
          });
        else if (scheme && !KNOWN_SCHEMES.has(scheme))
          problems.push({
            severity: 'information',
            message: `${link()} uses the '${scheme}' scheme, which is not one of http, https, tel, mailto or data`,
          });
      }
    }
    if (src !== undefined && src.startsWith('#')) {
      const n = matches(src.slice(1), 'forImages');
      if (n !== 1)
        problems.push({
          severity: 'error',
          message:
            n === 0
              ? `Narrative image '${shown(src)}' at ${where()} does not resolve: no element of the resource has that id`
              : `Narrative image '${shown(src)}' at ${where()} matches ${n} elements; it must name one`,
        });
    }
    if (tag.selfClosing) open.pop();
  }
  return problems;
}
