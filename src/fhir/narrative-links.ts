/**
 * Where a narrative's links and images point (FHIR R4 Narrative.div), as the HL7 validator checks
 * them: a `#fragment` must name an element of the resource (its id, or an `id` or `<a name>` in its
 * narratives; failing that, of the Bundle it sits in), an image `#fragment` exactly one element id,
 * and an absolute link must be one a reader can follow: no active content (`javascript:`,
 * `vbscript:`) and no identifier that is not a location (`urn:`, `cid:`).
 *
 * The div is read by a scanner of tags rather than an XML parser: txt-1 (htmlChecks()) already
 * judges its well-formedness, and a scanner cannot be made to expand entities or recurse, and
 * reads each character a bounded number of times, whatever the narrative holds. Names are matched
 * as written: XHTML is case-sensitive, so `<A HREF>` is no link (as in the HL7 validator).
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

/**
 * The index of the `>` that ends the tag starting at `start`, outside quoted attribute values; -1
 * when there is none. XML allows no `<` in an attribute value, so a quote still open at the next
 * `<` was never closed: the tag then ends at the first `>` inside it, and the tags after it are
 * read as tags.
 */
function tagEnd(s: string, start: number): number {
  let quote = '';
  let firstInQuote = -1;
  for (let i = start + 1; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = '';
      else if (c === '>' && firstInQuote < 0) firstInQuote = i;
      else if (c === '<') {
        if (firstInQuote >= 0) return firstInQuote;
        quote = '';
      }
    } else if (c === '"' || c === "'") {
      quote = c;
      firstInQuote = -1;
    } else if (c === '>') return i;
  }
  return quote ? firstInQuote : -1;
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

/** `name="value"` pairs of a tag's inside, read left to right; a name without a value is passed over, an unquoted value read to the next space. */
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
    if (quote !== '"' && quote !== "'") {
      const valueStart = i;
      while (i < inside.length && !SPACE.test(inside[i]!)) i++;
      attributes.set(name, decodeEntities(inside.slice(valueStart, i)));
      continue;
    }
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
    const [skip, from] = s.startsWith('<!--', i)
      ? ['-->', i + 4]
      : s.startsWith('<![CDATA[', i)
        ? [']]>', i + 9]
        : s[i + 1] === '?' || s[i + 1] === '!'
          ? ['>', i + 2]
          : ['', i];
    if (skip) {
      const e = s.indexOf(skip, from);
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
/** Problems reported one by one per div; the rest are counted in one more. */
export const MAX_PROBLEMS_PER_DIV = 100;

/** What a browser would run as script, however the scheme is written (`JavaScript:`, ` java&#9;script:`). */
function isActiveContent(href: string): boolean {
  const bare = href.replace(/[\s\u0000-\u001f]/g, '').toLowerCase();
  return bare.startsWith('javascript:') || bare.startsWith('vbscript:');
}

const END_OF_LINK = /<\/a[\s>]/;

/** The text a reader sees of a link: from its start tag to its end tag (at most a short stretch), whitespace collapsed. */
function linkText(s: string, tag: Tag): string {
  if (tag.selfClosing) return '';
  const slice = s.slice(tag.end, tag.end + 4 * MAX_SHOWN);
  const close = END_OF_LINK.exec(slice);
  return decodeEntities((close ? slice.slice(0, close.index) : slice).replace(/<[^<>]*>/g, ''))
    .replace(/\s+/g, ' ')
    .trim();
}

/** The `#fragment` links and image sources of a narrative div (`href` and `src` on any element), as written. */
export function narrativeFragments(div: string): string[] {
  const found: string[] = [];
  for (const tag of tags(div))
    for (const name of ['href', 'src']) {
      const v = tag.attributes.get(name);
      if (v?.startsWith('#')) found.push(v);
    }
  return found;
}

/**
 * The problems of the links and images in one narrative div. `resource` and `bundle` are the
 * plain JSON of the resource the narrative belongs to and of the Bundle it sits in, if any.
 */
export function narrativeLinkProblems(div: string, resource: unknown, bundle?: unknown): NarrativeLinkProblem[] {
  const problems: NarrativeLinkProblem[] = [];
  // Past the limit only counted, so that a narrative of a million bad links does not become a million messages.
  const rank = { information: 0, warning: 1, error: 2 } as const;
  type Level = keyof typeof rank;
  const unlisted: { count: number; severity: Level } = { count: 0, severity: 'information' };
  const add = (severity: Level, message: () => string) => {
    if (problems.length < MAX_PROBLEMS_PER_DIV) problems.push({ severity, message: message() });
    else {
      unlisted.count++;
      if (rank[severity] > rank[unlisted.severity]) unlisted.severity = severity;
    }
  };
  const open: string[] = [];
  // How many of each name are open, so that an end tag that closes nothing costs no search.
  const openCount = new Map<string, number>();
  const where = () => (open.length > 12 ? `.../${open.slice(-12).join('/')}` : open.join('/'));
  const matches = (fragment: string, kind: keyof Anchors) => {
    const n = anchors(resource)[kind].get(fragment) ?? 0;
    return n === 0 && kind === 'forLinks' && bundle !== undefined ? (anchors(bundle).forLinks.get(fragment) ?? 0) : n;
  };
  const nowhere = bundle === undefined ? '' : ', nor in the Bundle';
  for (const tag of tags(div)) {
    if (tag.closing) {
      if (openCount.get(tag.name)) {
        while (open.length > 0) {
          const name = open.pop()!;
          openCount.set(name, openCount.get(name)! - 1);
          if (name === tag.name) break;
        }
      }
      continue;
    }
    if (!tag.selfClosing) {
      open.push(tag.name);
      openCount.set(tag.name, (openCount.get(tag.name) ?? 0) + 1);
    }
    const at = tag.selfClosing ? [...open.slice(-11), tag.name].join('/') : where();
    const href = tag.name === 'a' ? tag.attributes.get('href') : undefined;
    const src = tag.name === 'img' ? tag.attributes.get('src') : undefined;
    if (href !== undefined) {
      const link = () => `Narrative link '${shown(href)}' at ${at} ('${shown(linkText(div, tag))}')`;
      if (href === '') {
        add('error', () => `Narrative link at ${at} ('${shown(linkText(div, tag))}') has an empty href`);
      } else if (href.startsWith('#') && href !== '#') {
        const n = matches(href.slice(1), 'forLinks');
        if (n === 0)
          add(
            'error',
            () =>
              `${link()} does not resolve: no element of the resource has id '${shown(href.slice(1))}', nor an element of its narrative an id or name${nowhere}`,
          );
        else if (n > 1) add('warning', () => `${link()} matches ${n} elements; a fragment should name one`);
      } else if (isActiveContent(href)) {
        add('error', () => `${link()} is a script: a narrative holds no active content`);
      } else {
        const scheme = absoluteScheme(href);
        if (scheme && NOT_LOCATIONS.has(scheme))
          add(
            'error',
            () =>
              `${link()} uses the '${scheme}' scheme, which names something but is no location a reader can follow; link to an http(s) address or to '#id' within the resource`,
          );
        else if (scheme && !KNOWN_SCHEMES.has(scheme))
          add('information', () => `${link()} uses the '${scheme}' scheme, which is not one of http, https, tel, mailto or data`);
      }
    }
    if (src !== undefined && src.startsWith('#')) {
      const n = matches(src.slice(1), 'forImages');
      if (n !== 1)
        add('error', () =>
          n === 0
            ? `Narrative image '${shown(src)}' at ${at} does not resolve: no element of the resource has that id`
            : `Narrative image '${shown(src)}' at ${at} matches ${n} elements; it must name one`,
        );
    }
  }
  if (unlisted.count > 0)
    problems.push({
      severity: unlisted.severity,
      message: `${unlisted.count} more narrative link and image problems in this div are not listed one by one`,
    });
  return problems;
}
