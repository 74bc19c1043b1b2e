import { XmlXPath, type XmlDocument } from 'libxml2-wasm';
import { ELEMENT, type LightNode, type LightTree } from './light-tree.js';
import { SamsvarError } from '../core/samsvar-error.js';
import type { ProfileCatalog } from '../profiles/catalog.js';
import { detectRules, type DetectRule, type LoadedProfile, type XmlProfileManifest } from '../profiles/manifest.js';

export interface DocumentFacts {
  rootNamespace: string;
  rootName: string;
  /**
   * The message type: MsgInfo/Type/@V in a Hodemelding; Type/@V under the root in a standalone KITH
   * message that carries its own header (Svarrapport, Rekvisisjon: Message/Type).
   */
  msgType?: string;
  /** MsgHead: namespace of the first embedded document's root element (Document/RefDoc/Content). */
  documentNamespace?: string;
}

/**
 * MsgInfo/Type/@V, the namespace of the embedded document (in MsgHead it sits in
 * Document/RefDoc/Content; the first Content element carries it) and a standalone message's own
 * Type/@V, read in one evaluation.
 */
const FACTS = XmlXPath.compile(
  "concat(/*/*[local-name()='MsgInfo']/*[local-name()='Type']/@V, '\n', namespace-uri((//*[local-name()='Content']/*)[1]), '\n', /*/*[local-name()='Type']/@V)",
);

export function documentFacts(doc: XmlDocument, tree?: LightTree): DocumentFacts {
  // The root's name and namespace from the light tree when there is one: no call into libxml2 and no node wrapper.
  const lightRoot = tree?.root.children.find((c) => c.kind === ELEMENT);
  const root = lightRoot ? { namespaceUri: lightRoot.ns, name: lightRoot.local } : doc.root;
  const [msgInfoType, documentNamespace, ownType] = (tree ? factsFromTree(tree) : String(doc.eval(FACTS)).split('\n')).map((s) => s.trim());
  const msgType = msgInfoType || ownType;
  return {
    rootNamespace: root.namespaceUri ?? '',
    rootName: root.name,
    ...(msgType ? { msgType } : {}),
    ...(documentNamespace ? { documentNamespace } : {}),
  };
}

/** FACTS, read from the light tree (the same three strings, without an XPath evaluation). */
function factsFromTree(tree: LightTree): [string, string, string] {
  const root = tree.root.children.find((c) => c.kind === ELEMENT);
  if (!root) return ['', '', ''];
  const typeV = (parent: LightNode | undefined): string => {
    for (const t of parent?.children ?? []) {
      if (t.kind !== ELEMENT || t.local !== 'Type') continue;
      const v = t.attributes.find((a) => a.local === 'V' && a.ns === '');
      if (v) return v.value;
    }
    return '';
  };
  let msgInfoType = '';
  for (const c of root.children) {
    if (c.kind !== ELEMENT || c.local !== 'MsgInfo') continue;
    msgInfoType = typeV(c);
    if (msgInfoType) break;
  }
  const inContent = tree.elements.find((e) => e.parent?.kind === ELEMENT && e.parent.local === 'Content');
  return [msgInfoType, inContent?.ns ?? '', typeV(root)];
}

/** Where the message type was read: a Hodemelding's MsgInfo/Type or a standalone message's own Type. */
export function typeElement(facts: DocumentFacts): string {
  return facts.rootName === 'MsgHead' ? 'MsgInfo/Type' : `${facts.rootName}/Type`;
}

/** Compiles a detection alternative's xpath (throws profile_invalid naming the profile when it does not compile). */
function compileDetectXPath(profileId: string, d: DetectRule): XmlXPath {
  try {
    return XmlXPath.compile(`boolean(${d.xpath})`, d.namespaces ?? {});
  } catch (e) {
    throw new SamsvarError(
      'profile_invalid',
      `profile ${profileId}: detect.xpath "${d.xpath}" does not compile: ${(e as Error).message.trim()}`,
    );
  }
}

/** Checks when a profile is compiled that its detection XPaths compile, so a typo is found before any document is detected. */
export function checkDetectXPaths(m: XmlProfileManifest): void {
  for (const d of detectRules(m)) if (d.xpath !== undefined) compileDetectXPath(m.id, d).dispose();
}

/**
 * Whether a detection alternative's xpath holds for the document (true when it has none). Compiled
 * per call: detection evaluates it once per document, only for alternatives whose other facts match.
 */
function xpathHolds(profileId: string, d: DetectRule, doc: XmlDocument): boolean {
  if (d.xpath === undefined) return true;
  const xpath = compileDetectXPath(profileId, d);
  try {
    return doc.eval(xpath) === true;
  } finally {
    xpath.dispose();
  }
}

/** Whether a document fits one detection alternative of a profile. */
export function matches(profileId: string, d: DetectRule, facts: DocumentFacts, doc: XmlDocument): boolean {
  if (d.rootNamespace !== facts.rootNamespace) return false;
  if (d.msgType !== undefined && d.msgType !== facts.msgType) return false;
  if (d.documentNamespace !== undefined && d.documentNamespace !== facts.documentNamespace) return false;
  return xpathHolds(profileId, d, doc);
}

export type Detection = { profile: LoadedProfile; note: string } | { profile: null; note: string };

/**
 * Picks the most specific XML profile one of whose `detect` alternatives matches: root namespace,
 * then the message type, the embedded document's namespace and the profile's own XPath test (e.g. a
 * Svarrapport's ServReport/MsgDescr). Among equally specific matches `priority` decides, then
 * active profiles win over drafts and retired ones.
 */
export function detectProfile(catalog: ProfileCatalog, doc: XmlDocument, tree?: LightTree): Detection {
  const facts = documentFacts(doc, tree);
  let best: { profile: LoadedProfile; score: number } | undefined;
  for (const p of catalog.list()) {
    const m = p.manifest as XmlProfileManifest;
    if (m.kind !== 'xml') continue;
    for (const d of detectRules(m)) {
      if (!matches(m.id, d, facts, doc)) continue;
      const specificity = 1 + (d.msgType ? 1 : 0) + (d.documentNamespace ? 1 : 0) + (d.xpath ? 1 : 0);
      const score = 1000 * specificity + 10 * (d.priority ?? 0) + (m.status === 'active' || m.status === undefined ? 1 : 0);
      if (!best || score > best.score) best = { profile: p, score };
    }
  }
  const described = [
    `root element ${facts.rootName} in namespace ${facts.rootNamespace || '(none)'}`,
    facts.msgType ? `${typeElement(facts)} ${facts.msgType}` : undefined,
    facts.documentNamespace ? `embedded document namespace ${facts.documentNamespace}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  if (!best) return { profile: null, note: `no profile matches ${described}` };
  return { profile: best.profile, note: `detected ${best.profile.manifest.id} from ${described}` };
}
