/**
 * Bundles: how a reference inside a Bundle finds its entry (FHIR R4 bundle.html, "Resolving
 * references in Bundles"), and the rules a Bundle must keep beyond its StructureDefinition:
 * fullUrl and resource id agree, links fit the Bundle type, search results say what they are, and
 * a document or message is one connected whole whose references resolve inside it.
 */
import type { Layer, Severity } from '../core/finding.js';
import type { ConformanceStore } from './conformance-store.js';
import type { JsonNode, Position } from './json-parser.js';
import { list, str, type JsonObject } from './json-nodes.js';

/** What the Bundle rules need of the walk (walk.ts's Walk has it); named here so the two modules do not import each other. */
interface BundleWalk {
  readonly store: ConformanceStore;
  add(ruleId: string, severity: Severity, layer: Layer, message: string, pos: Position | undefined, path: string): void;
}

export interface BundleEntry {
  index: number;
  node: JsonObject;
  fullUrl?: string;
  fullUrlNode?: JsonNode;
  resource?: JsonObject;
  type?: string;
  id?: string;
  versionId?: string;
}

/** A Bundle's entries, indexed once for reference resolution. */
export interface BundleIndex {
  node: JsonObject;
  type: string;
  entries: BundleEntry[];
  /** By fullUrl, and by fullUrl + `/_history/` + meta.versionId. */
  byUrl: Map<string, BundleEntry[]>;
  /** By `Type/id`, and by `Type/id/_history/versionId`. */
  byTypeId: Map<string, BundleEntry[]>;
  /** The entry that holds a resource node. */
  byResource: Map<JsonNode, BundleEntry>;
  /** Reference values already reported, so that the Bundle rules and the walk report each once. */
  reported: Set<JsonNode>;
}

/** A RESTful URL: `[base/]Type/id[/_history/version]`. Groups: base, type, id, version. */
const RESTFUL =
  /^((?:https?:\/\/(?:[A-Za-z0-9\-.:%$]*\/)*)?)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/([A-Za-z0-9\-.]{1,64}))?$/;
const ABSOLUTE = /^[A-Za-z][A-Za-z0-9+.-]*:/;

function obj(node: JsonNode | undefined): JsonObject | undefined {
  return node?.kind === 'object' ? node : undefined;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

export function indexBundle(bundle: JsonObject): BundleIndex {
  const index: BundleIndex = {
    node: bundle,
    type: str(bundle, 'type') ?? '',
    entries: [],
    byUrl: new Map(),
    byTypeId: new Map(),
    byResource: new Map(),
    reported: new Set(),
  };
  list(bundle.props.get('entry')?.value).forEach((n, i) => {
    if (n.kind !== 'object') return;
    const resource = obj(n.props.get('resource')?.value);
    const fullUrlNode = n.props.get('fullUrl')?.value;
    const e: BundleEntry = {
      index: i,
      node: n,
      fullUrl: str(n, 'fullUrl'),
      fullUrlNode,
      resource,
      type: str(resource, 'resourceType'),
      id: str(resource, 'id'),
      versionId: str(obj(resource?.props.get('meta')?.value), 'versionId'),
    };
    index.entries.push(e);
    if (resource) index.byResource.set(resource, e);
    if (e.fullUrl) {
      push(index.byUrl, e.fullUrl, e);
      if (e.versionId) push(index.byUrl, `${e.fullUrl}/_history/${e.versionId}`, e);
    }
    if (e.type && e.id) {
      push(index.byTypeId, `${e.type}/${e.id}`, e);
      if (e.versionId) push(index.byTypeId, `${e.type}/${e.id}/_history/${e.versionId}`, e);
    }
  });
  return index;
}

export interface Resolution {
  /** The entries the reference resolves to by the Bundle rules (more than one is an error). */
  matches: BundleEntry[];
  /** The URL the reference resolves to, when it can be made absolute. */
  target?: string;
  /** Entries with the reference's type and id that the rules do not reach (a different base in fullUrl). */
  apparent: BundleEntry[];
  /** The type a relative reference names, when it was resolved against a URN fullUrl (`urn:uuid:` + its id), where only the id says which entry. */
  namedTypeViaUrn?: string;
}

/**
 * Resolves a literal reference made from `from` (the entry holding the referring resource): an
 * absolute reference by fullUrl; a relative one against the base of the referring entry's RESTful
 * fullUrl. With `urnBase`, as the HL7 validator resolves the reference an element holds (not the
 * document's and message's own rules, which keep to the specification): where the referring
 * entry's fullUrl is a URN, `Type/id` from `urn:uuid:1234…` names the entry `urn:uuid:id`. A
 * fragment (`…#id`) points inside the resource found and is set aside here.
 */
export function resolveInBundle(
  index: BundleIndex,
  reference: string,
  from: BundleEntry | undefined,
  options: { urnBase?: boolean } = {},
): Resolution {
  const ref = reference.includes('#') ? reference.slice(0, reference.indexOf('#')) : reference;
  if (ABSOLUTE.test(ref)) return { matches: index.byUrl.get(ref) ?? [], target: ref, apparent: [] };
  const rel = RESTFUL.exec(ref);
  if (!rel || rel[1]) return { matches: [], apparent: [] };
  // The base is what precedes Type/id in the referring entry's fullUrl (empty when that fullUrl is itself relative).
  const own = from?.fullUrl ? RESTFUL.exec(from.fullUrl) : null;
  const base = own && !own[4] && own[2] === from?.type && own[3] === from?.id ? own[1] : undefined;
  const urnBase =
    options.urnBase && from?.fullUrl?.startsWith('urn:') && !rel[4] ? from.fullUrl.slice(0, from.fullUrl.lastIndexOf(':') + 1) : undefined;
  const target = base !== undefined ? base + ref : urnBase !== undefined ? urnBase + rel[3] : undefined;
  const matches = target ? (index.byUrl.get(target) ?? []) : [];
  const apparent = matches.length ? [] : (index.byTypeId.get(`${rel[2]}/${rel[3]}`) ?? []);
  return { matches, target, apparent, ...(urnBase !== undefined && matches.length ? { namedTypeViaUrn: rel[2] } : {}) };
}

interface Ctx {
  walk: BundleWalk;
  index: BundleIndex;
  path: string;
}

function isResourceType(store: ConformanceStore, t: string): boolean {
  return store.baseType(t)?.kind === 'resource';
}

const TRANSACTIONS = new Set(['transaction', 'transaction-response', 'batch', 'batch-response']);
const PAGING = new Set(['first', 'previous', 'next', 'last']);

/** The rules of one Bundle (not its entries' own content, which the walk validates). */
export function checkBundle(walk: BundleWalk, bundle: JsonObject, path: string, index: BundleIndex): void {
  const ctx: Ctx = { walk, index, path };
  checkLinks(ctx);
  checkEntries(ctx);
  if (index.type === 'document' || index.type === 'message') {
    const first = index.entries[0];
    const want = index.type === 'document' ? 'Composition' : 'MessageHeader';
    if (!first) {
      walk.add(
        'FHIR-BUNDLE-TYPE',
        'error',
        'profile',
        `A ${index.type} Bundle must have at least one entry: the ${want} first`,
        bundle,
        `${path}.entry`,
      );
      return;
    }
    if (!first.resource || first.type !== want) {
      walk.add(
        'FHIR-BUNDLE-TYPE',
        'error',
        'profile',
        `The first entry of a ${index.type} Bundle must be a ${want}, not ${first.type ?? 'an entry without resource'}`,
        first.node,
        `${path}.entry[0]`,
      );
      return;
    }
    if (index.type === 'document') checkDocumentReferences(ctx, first);
    else
      for (const f of list(first.resource.props.get('focus')?.value))
        resolveRequired(ctx, first, f, `${path}.entry[0].resource.focus`, 'MessageHeader.focus');
    checkConnected(ctx);
  } else if (index.type === 'searchset') {
    checkSearchSet(ctx);
  }
}

function checkLinks(ctx: Ctx): void {
  const { index, walk, path } = ctx;
  const seen = new Set<string>();
  list(index.node.props.get('link')?.value).forEach((l, i) => {
    if (l.kind !== 'object') return;
    const relNode = l.props.get('relation')?.value;
    const rel = relNode?.kind === 'string' ? relNode.value : undefined;
    if (!rel) return;
    const at = `${path}.link[${i}]`;
    const paging = index.type === 'searchset' || index.type === 'history';
    if (!paging && PAGING.has(rel) && index.type) {
      walk.add(
        'FHIR-BUNDLE-LINK',
        'error',
        'profile',
        `The link relation '${rel}' is for paging search results; a ${index.type} Bundle must not use it`,
        relNode,
        `${at}.relation`,
      );
    } else if ((rel === 'self' || (paging && PAGING.has(rel))) && seen.has(rel)) {
      walk.add('FHIR-BUNDLE-LINK', 'error', 'profile', `The link relation '${rel}' may occur only once in a Bundle`, l, at);
    }
    seen.add(rel);
  });
}

function checkEntries(ctx: Ctx): void {
  const { index, walk, path } = ctx;
  for (const e of index.entries) {
    const at = `${path}.entry[${e.index}]`;
    if (e.fullUrl === undefined) {
      if (!TRANSACTIONS.has(index.type))
        walk.add(
          'FHIR-BUNDLE-FULLURL',
          'error',
          'profile',
          `Every entry of a ${index.type || 'Bundle'} (all but transactions and batches) must have a fullUrl, the identity of its resource`,
          e.node,
          at,
        );
      continue;
    }
    const pos = e.fullUrlNode ?? e.node;
    if (!ABSOLUTE.test(e.fullUrl)) {
      walk.add(
        'FHIR-BUNDLE-FULLURL',
        'error',
        'profile',
        `fullUrl must be an absolute URL (a server URL or urn:uuid:…), not '${e.fullUrl}'`,
        pos,
        `${at}.fullUrl`,
      );
      continue;
    }
    const restful = RESTFUL.exec(e.fullUrl);
    if (restful && e.type && isResourceType(walk.store, restful[2])) {
      if (!e.id)
        walk.add(
          'FHIR-BUNDLE-FULLURL',
          'error',
          'profile',
          `fullUrl '${e.fullUrl}' is a server URL of a ${restful[2]}, so the resource must have the id it ends with`,
          pos,
          `${at}.fullUrl`,
        );
      else if (restful[2] !== e.type || restful[3] !== e.id) {
        walk.add(
          'FHIR-BUNDLE-FULLURL',
          'error',
          'profile',
          `fullUrl '${e.fullUrl}' is a server URL, so it must end with the resource's type and id (${e.type}/${e.id})`,
          pos,
          `${at}.fullUrl`,
        );
      }
    }
    const url = str(e.resource, 'url');
    if (url && url === e.fullUrl && e.id && !(RESTFUL.test(url) && url.endsWith(`/${e.id}`))) {
      walk.add(
        'FHIR-BUNDLE-FULLURL',
        'error',
        'profile',
        `fullUrl '${e.fullUrl}' is the resource's canonical url but does not end with its id '${e.id}'; the fullUrl identifies the resource instance`,
        pos,
        `${at}.fullUrl`,
      );
    }
  }
}

/** The literal reference of a Reference value (its JSON node), if any. */
function referenceOf(value: JsonNode): (JsonNode & { kind: 'string' }) | undefined {
  const r = value.kind === 'object' ? value.props.get('reference')?.value : undefined;
  return r?.kind === 'string' ? r : undefined;
}

/**
 * A reference the document or message structure depends on must resolve inside the Bundle.
 * Returns the entry it resolves to.
 */
function resolveRequired(ctx: Ctx, from: BundleEntry, value: JsonNode, path: string, what: string): BundleEntry | undefined {
  const ref = referenceOf(value);
  if (!ref || ref.value.startsWith('#')) return undefined;
  return report(ctx, from, ref, path, what, 'error');
}

/** Resolves one reference and reports what keeps it from resolving (once per reference). */
function report(
  ctx: Ctx,
  from: BundleEntry,
  ref: JsonNode & { kind: 'string' },
  path: string,
  what: string,
  notFound: Severity | undefined,
): BundleEntry | undefined {
  const r = resolveInBundle(ctx.index, ref.value, from);
  if (r.matches.length === 1) return r.matches[0];
  if (ctx.index.reported.has(ref)) return undefined;
  const add = (severity: Severity, message: string) => {
    ctx.index.reported.add(ref);
    ctx.walk.add('FHIR-BUNDLE-REF', severity, 'profile', message, ref, path);
  };
  if (r.matches.length > 1) {
    add(
      'error',
      `${what} '${ref.value}' matches ${r.matches.length} entries (${r.matches.map((m) => `entry[${m.index}]`).join(', ')}); a reference in a ${ctx.index.type} must identify one`,
    );
  } else if (r.apparent.length) {
    const urls = [...new Set(r.apparent.map((a) => a.fullUrl ?? '(no fullUrl)'))].join(', ');
    const must = r.target
      ? `it resolves to '${r.target}'`
      : `the referring entry's fullUrl '${from.fullUrl ?? ''}' does not end with its own type and id, so a relative reference has no base to resolve against`;
    add(
      'error',
      `${what} '${ref.value}' does not resolve in the Bundle: ${must}, but the entr${r.apparent.length > 1 ? 'ies' : 'y'} with that type and id ha${r.apparent.length > 1 ? 've' : 's'} fullUrl ${urls}`,
    );
  } else if (notFound) {
    add(notFound, `${what} '${ref.value}' is not in the Bundle; in a ${ctx.index.type} it must be`);
  }
  return undefined;
}

/** The Composition's references a document's reader follows (subject, authors, sections …) must resolve in the Bundle. */
function checkDocumentReferences(ctx: Ctx, first: BundleEntry): void {
  const c = first.resource!;
  const base = `${ctx.path}.entry[0].resource`;
  const each = (owner: JsonObject, key: string, at: string, what: string) => {
    const v = owner.props.get(key)?.value;
    if (!v) return;
    if (v.kind === 'array') v.items.forEach((x, i) => resolveRequired(ctx, first, x, `${at}.${key}[${i}]`, `${what}.${key}`));
    else resolveRequired(ctx, first, v, `${at}.${key}`, `${what}.${key}`);
  };
  for (const key of ['subject', 'author', 'encounter', 'custodian']) each(c, key, base, 'Composition');
  list(c.props.get('attester')?.value).forEach(
    (a, i) => a.kind === 'object' && each(a, 'party', `${base}.attester[${i}]`, 'Composition.attester'),
  );
  list(c.props.get('event')?.value).forEach((a, i) => a.kind === 'object' && each(a, 'detail', `${base}.event[${i}]`, 'Composition.event'));
  const sections = (owner: JsonObject, at: string) => {
    list(owner.props.get('section')?.value).forEach((s, i) => {
      if (s.kind !== 'object') return;
      const sp = `${at}.section[${i}]`;
      for (const key of ['author', 'focus', 'entry']) each(s, key, sp, 'Composition.section');
      sections(s, sp);
    });
  };
  sections(c, base);
}

/** Every literal reference (and Attachment url) in a resource, with its path; nested Bundles are not entered. */
function referencesIn(resource: JsonObject, path: string): { ref: JsonNode & { kind: 'string' }; path: string }[] {
  const out: { ref: JsonNode & { kind: 'string' }; path: string }[] = [];
  const walk = (n: JsonNode, p: string, key: string) => {
    if (n.kind === 'array') {
      n.items.forEach((x, i) => walk(x, `${p}[${i}]`, key));
      return;
    }
    if (n.kind !== 'object') return;
    if (
      n !== resource &&
      n.props.get('resourceType')?.value.kind === 'string' &&
      (n.props.get('resourceType')!.value as { value: string }).value === 'Bundle'
    )
      return;
    const r = n.props.get('reference')?.value;
    if (r?.kind === 'string' && !r.value.startsWith('#')) out.push({ ref: r, path: `${p}.reference` });
    const u = n.props.get('url')?.value;
    if (u?.kind === 'string' && key !== 'extension' && key !== 'modifierExtension' && n.props.has('contentType'))
      out.push({ ref: u, path: `${p}.url` });
    for (const [k, prop] of n.props) if (k !== 'reference') walk(prop.value, `${p}.${k}`, k);
  };
  walk(resource, path, '');
  return out;
}

/**
 * A document (message) is one whole: every entry must be reachable from the Composition
 * (MessageHeader) by following references, forward or backward. A document entry nothing links
 * is an error; in a message it is a warning (R4 messages may carry supporting resources).
 */
function checkConnected(ctx: Ctx): void {
  const { index, path } = ctx;
  const withResource = index.entries.filter((e) => e.resource);
  const targets = new Map<BundleEntry, Set<BundleEntry>>();
  for (const e of withResource) {
    const out = new Set<BundleEntry>();
    for (const { ref, path: p } of referencesIn(e.resource!, `${path}.entry[${e.index}].resource`)) {
      const t = report(ctx, e, ref, p, 'The reference', undefined);
      if (t && t !== e) out.add(t);
    }
    targets.set(e, out);
  }
  const visited = new Set<BundleEntry>();
  const visit = (e: BundleEntry) => {
    const stack = [e];
    while (stack.length) {
      const x = stack.pop()!;
      if (visited.has(x)) continue;
      visited.add(x);
      for (const t of targets.get(x) ?? []) stack.push(t);
    }
  };
  if (withResource[0]) visit(withResource[0]);
  // Backward links: an entry that points at a reached entry (a Provenance, say) belongs too.
  let grew = true;
  while (grew) {
    grew = false;
    for (const e of withResource) {
      if (visited.has(e)) continue;
      if ([...(targets.get(e) ?? [])].some((t) => visited.has(t))) {
        visit(e);
        grew = true;
      }
    }
  }
  const what = index.type === 'document' ? 'Composition' : 'MessageHeader';
  for (const e of withResource) {
    if (visited.has(e)) continue;
    const severity: Severity = index.type === 'document' ? 'error' : 'warning';
    ctx.walk.add(
      'FHIR-BUNDLE-ORPHAN',
      severity,
      'profile',
      `Entry ${e.fullUrl ? `'${e.fullUrl}'` : e.index} is not reachable from the ${what} by references, forward or backward; a ${index.type} Bundle holds only what belongs to it`,
      e.node,
      `${path}.entry[${e.index}]`,
    );
  }
}

/** The resource types a search's self link asks for: `…/Type?…` or `_type=A,B`. */
function searchTypes(store: ConformanceStore, url: string | undefined): string[] {
  if (!url) return [];
  const [head, query] = url.split('?', 2);
  const last = head.split('/').at(-1) ?? '';
  if (isResourceType(store, last)) return [last];
  const t = (query ?? '').split('&').find((p) => p.startsWith('_type='));
  return t ? t.slice(6).split(',') : [];
}

function checkSearchSet(ctx: Ctx): void {
  const { index, walk, path } = ctx;
  const self = list(index.node.props.get('link')?.value).find((l) => l.kind === 'object' && str(l, 'relation') === 'self') as
    JsonObject | undefined;
  const types = searchTypes(walk.store, str(self, 'url'));
  const modes = index.entries.map((e) => str(obj(e.node.props.get('search')?.value), 'mode'));
  if (!modes.length || modes.some((m) => m === undefined)) return;
  index.entries.forEach((e, i) => {
    const at: Position = e.resource ?? e.node;
    const p = `${path}.entry[${e.index}]`;
    if (!e.resource) {
      walk.add('FHIR-BUNDLE-SEARCH', 'error', 'profile', 'An entry of search results must carry a resource', e.node, p);
      return;
    }
    const mode = modes[i];
    if (mode === 'match' || mode === 'include') {
      if (!e.id) walk.add('FHIR-BUNDLE-SEARCH', 'error', 'profile', `Search results (mode '${mode}') must have ids`, at, `${p}.resource`);
      if (mode === 'match' && types.length && e.type && !types.includes(e.type)) {
        walk.add(
          'FHIR-BUNDLE-SEARCH',
          'error',
          'profile',
          `A ${e.type} is not what the search asked for (${types.join(', ')}, from the self link)`,
          at,
          `${p}.resource`,
        );
      }
    } else if (mode === 'outcome' && e.type !== 'OperationOutcome') {
      walk.add(
        'FHIR-BUNDLE-SEARCH',
        'error',
        'profile',
        `An entry with search mode 'outcome' must be an OperationOutcome, not a ${e.type}`,
        at,
        `${p}.resource`,
      );
    }
  });
}
