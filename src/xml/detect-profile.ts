import { XmlXPath, type XmlDocument } from 'libxml2-wasm';
import type { ProfileCatalog } from '../profiles/catalog.js';
import { detectRules, type DetectRule, type LoadedProfile, type XmlProfileManifest } from '../profiles/manifest.js';

export interface DocumentFacts {
  rootNamespace: string;
  rootName: string;
  /** MsgHead: MsgInfo/Type/@V. */
  msgType?: string;
  /** MsgHead: namespace of the first embedded document's root element (Document/RefDoc/Content). */
  documentNamespace?: string;
}

/**
 * MsgInfo/Type/@V and the namespace of the embedded document (in MsgHead it sits in
 * Document/RefDoc/Content; the first Content element carries it), read in one evaluation.
 */
const FACTS = XmlXPath.compile(
  "concat(/*/*[local-name()='MsgInfo']/*[local-name()='Type']/@V, '\n', namespace-uri((//*[local-name()='Content']/*)[1]))",
);

export function documentFacts(doc: XmlDocument): DocumentFacts {
  const root = doc.root;
  const [msgType, documentNamespace] = String(doc.eval(FACTS)).split('\n').map((s) => s.trim());
  return {
    rootNamespace: root.namespaceUri ?? '',
    rootName: root.name,
    ...(msgType ? { msgType } : {}),
    ...(documentNamespace ? { documentNamespace } : {}),
  };
}

/** Whether a document fits one detection alternative. */
export function matches(d: DetectRule, facts: DocumentFacts): boolean {
  if (d.rootNamespace !== facts.rootNamespace) return false;
  if (d.msgType !== undefined && d.msgType !== facts.msgType) return false;
  return d.documentNamespace === undefined || d.documentNamespace === facts.documentNamespace;
}

export type Detection = { profile: LoadedProfile; note: string } | { profile: null; note: string };

/**
 * Picks the most specific XML profile whose `detect` matches: root namespace, then MsgHead's
 * message type and the embedded document's namespace. Active profiles win over drafts and retired ones.
 */
export function detectProfile(catalog: ProfileCatalog, facts: DocumentFacts): Detection {
  let best: { profile: LoadedProfile; score: number } | undefined;
  for (const p of catalog.list()) {
    const m = p.manifest as XmlProfileManifest;
    if (m.kind !== 'xml') continue;
    for (const d of detectRules(m)) {
      if (!matches(d, facts)) continue;
      const score = 10 * (1 + (d.msgType ? 1 : 0) + (d.documentNamespace ? 1 : 0)) + (m.status === 'active' || m.status === undefined ? 1 : 0);
      if (!best || score > best.score) best = { profile: p, score };
    }
  }
  const described = [
    `root element ${facts.rootName} in namespace ${facts.rootNamespace || '(none)'}`,
    facts.msgType ? `MsgInfo/Type ${facts.msgType}` : undefined,
    facts.documentNamespace ? `embedded document namespace ${facts.documentNamespace}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  if (!best) return { profile: null, note: `no profile matches ${described}` };
  return { profile: best.profile, note: `detected ${best.profile.manifest.id} from ${described}` };
}
