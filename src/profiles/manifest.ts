/**
 * The manifest `profile.json` at the root of every profile directory. Shipped profiles live in
 * `profiles/<id>/`, imported ones in `$SAMSVAR_DATA/profiles/<id>/`.
 */
export type ProfileKind = 'xml' | 'fhir';

export interface ProfileStandard {
  /** Family id shared by every version, e.g. `dialogmelding`, `plo`, `no-basis`. */
  id: string;
  /** The name the standard calls itself, e.g. `Dialogmelding`. */
  name: string;
  /** The standard's version, e.g. `1.1` (not the profile's own version). */
  version: string;
}

export interface CodelistNotShipped {
  /** Volven/FinnKode OID, e.g. 2.16.578.1.12.4.1.1.9152. */
  oid: string;
  name: string;
  /** Why it is not shipped (which sources were searched, what was missing). */
  reason: string;
}

export interface ProfileManifestBase {
  id: string;
  version: string;
  title: string;
  kind: ProfileKind;
  description?: string;
  /** Lifecycle: only `active` profiles are offered for new runs; `retired` expires declarations. */
  status?: 'draft' | 'active' | 'deprecated' | 'retired';
  /** Where the requirement comes from (a URL or document name of the standard). */
  specification?: string;
  /** The standard and version this profile belongs to; the profile list groups by it. */
  standard?: ProfileStandard;
  /**
   * What the profile validates: MsgInfo/Type/@V values for a Hodemelding-borne message, the root
   * element for a standalone document, the resource type for FHIR.
   */
  messageTypes?: string[];
  /**
   * Code lists the standard uses that the profile does not ship, because their complete content
   * could not be established from public sources (a partial list would fail real messages).
   */
  codelistsNotShipped?: CodelistNotShipped[];
  /**
   * Invalid examples and the rule ids each must trigger, keyed by file name relative to
   * examples/invalid/. Where a file is not listed, its name up to the first `--` is the rule id
   * (e.g. `MH-0001--missing-msgid.xml`).
   */
  examples?: { invalid?: Record<string, string[]> };
}

export interface DetectRule {
  /** Namespace of the root element. */
  rootNamespace: string;
  /** MsgHead: MsgInfo/Type/@V; a standalone message with its own header (Svarrapport, Rekvisisjon): Type/@V under the root. */
  msgType?: string;
  /** For MsgHead: namespace of the first embedded document's root element. */
  documentNamespace?: string;
  /**
   * An XPath 1.0 test the document must pass, for kinds that share namespace and message type
   * (a Svarrapport's ServReport/MsgDescr tells a microbiology answer from a pathology one).
   */
  xpath?: string;
  /** What `xpath` requires, in words, for PROFILE-MISMATCH (e.g. `ServReport/MsgDescr V="MBIO" (Medisinsk mikrobiologi)`). */
  describe?: string;
  /**
   * Breaks ties between matching profiles of equal specificity (0–99, default 0, higher wins): a
   * kind that also accepts another kind's documents when named (immunology answers reported as
   * MBIO) leaves automatic detection of those documents to the other kind.
   */
  priority?: number;
  /** Prefixes used in `xpath`. */
  namespaces?: Record<string, string>;
}

/** A manifest's detection alternatives as a list (none when it has no `detect`). */
export function detectRules(m: XmlProfileManifest): DetectRule[] {
  if (!m.detect) return [];
  return Array.isArray(m.detect) ? m.detect : [m.detect];
}

export interface XmlProfileManifest extends ProfileManifestBase {
  kind: 'xml';
  /** Entry XSD, relative to the profile directory. */
  schema: string;
  /** OASIS XML catalog inside the profile mapping URLs (e.g. http://www.kith.no/xmlstds/kith.xsd) to its files. */
  catalog?: string;
  /** Other profiles whose files, catalogs, rules and code lists this profile builds on (e.g. the MsgHead envelope). */
  uses?: string[];
  /** ISO Schematron files (XPath 1.0 binding), relative paths. */
  rules?: string[];
  /** Code list JSON files ({ oid, name, codes: [{ code, display }] }), relative paths. */
  codelists?: string[];
  /**
   * How the engine recognises a document of this profile when none is given; several alternatives
   * when the standard's document travels both in a Hodemelding and on its own.
   */
  detect?: DetectRule | DetectRule[];
  /** Identifier checks; `realPersonNumber` is the severity of a non-synthetic fødselsnummer (default error). */
  identifiers?: { realPersonNumber?: 'error' | 'warning' | 'information' | 'off' };
  /** Limits for hostile input; defaults in src/xml/limits.ts. */
  limits?: { maxBytes?: number; maxDepth?: number };
}

export interface FhirProfileManifest extends ProfileManifestBase {
  kind: 'fhir';
  /** Canonical URL of the StructureDefinition that resources are validated against. */
  url: string;
  /** JSON files (StructureDefinition, ValueSet, CodeSystem) of this profile, relative paths. */
  resources?: string[];
  /** FHIR packages this profile depends on, `name#version`. */
  dependencies?: string[];
  /** Identifier checks; `realPersonNumber` is the severity of a non-synthetic fødselsnummer (default error). */
  identifiers?: { realPersonNumber?: 'error' | 'warning' | 'information' | 'off' };
}

export type ProfileManifest = XmlProfileManifest | FhirProfileManifest;

/** A profile as loaded: the manifest, where it lives, and its files' bytes (the exact content tested against). */
export interface LoadedProfile {
  manifest: ProfileManifest;
  dir: string;
  source: 'shipped' | 'imported';
  /** Every file in the profile directory except examples, keyed by relative POSIX path. */
  files: Map<string, Uint8Array>;
  /** SHA-256 (hex) over the sorted file paths and contents: binds a declaration to this exact profile. */
  sha256: string;
}
