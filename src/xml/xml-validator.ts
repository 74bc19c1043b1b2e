import { ParseOption, XmlAttribute, XmlDocument, XmlElement, XmlLibError, XmlValidateError, type XmlNode, type XsdValidator } from 'libxml2-wasm';
import type { Finding, Severity } from '../core/finding.js';
import { sortFindings } from '../core/finding.js';
import { SamsvarError } from '../core/samsvar-error.js';
import type { FormatResult } from '../engine/engine.js';
import type { ProfileCatalog } from '../profiles/catalog.js';
import type { LoadedProfile, XmlProfileManifest } from '../profiles/manifest.js';
import { checkCodedValues, loadCodeLists, type CodeList } from './codelists.js';
import { detectProfile, documentFacts } from './detect-profile.js';
import { checkIdentifiers } from './identifier-check.js';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH } from './limits.js';
import { prescan } from './prescan.js';
import { ProfileResolver, SAFE_PARSE } from './profile-resolver.js';
import { CompiledSchematron } from './schematron.js';
import type { SourceMap } from './source-map.js';
import { compileProfileSchema } from './xsd-compiler.js';

interface CompiledProfile {
  sha256: string;
  xsd: XsdValidator;
  rules: CompiledSchematron[];
  codeLists: Map<string, CodeList>;
  realPersonNumber: Severity | 'off';
}

const PARSE_OPTIONS = SAFE_PARSE | ParseOption.XML_PARSE_BIG_LINES;
const MAX_SYNTAX_FINDINGS = 20;

/** `{http://ns}Local` in libxml2's messages, shortened to the local name where the namespace adds nothing. */
function readableSchemaMessage(message: string): string {
  const text = message.trim();
  const namespaces = new Set([...text.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]));
  if (namespaces.size <= 1) return text.replace(/\{[^}]*\}/g, '');
  return text.replace(/\{([^}]*)\}([\w.-]+)/g, '$2 (namespace $1)');
}

/** The XML message engine: safe parsing, XSD, Schematron rules, code lists and identifiers, with positions. */
export class XmlValidator {
  private readonly compiled = new Map<string, CompiledProfile>();

  constructor(readonly catalog: ProfileCatalog) {}

  /** Compiles (once per profile content) everything a profile needs; later documents reuse it. */
  prepare(profile: LoadedProfile): CompiledProfile {
    const cached = this.compiled.get(profile.manifest.id);
    if (cached && cached.sha256 === profile.sha256) return cached;
    cached?.xsd.dispose();
    const resolver = new ProfileResolver(profile, this.catalog);
    const xsd = compileProfileSchema(resolver);
    const rules: CompiledSchematron[] = [];
    for (const p of resolver.profiles) {
      for (const rel of (p.manifest as XmlProfileManifest).rules ?? []) {
        const bytes = p.files.get(rel);
        if (!bytes) throw new SamsvarError('profile_invalid', `profile ${p.manifest.id}: rule file ${rel} is not in the profile`);
        rules.push(CompiledSchematron.compile(bytes, `${p.manifest.id}/${rel}`));
      }
    }
    const manifest = profile.manifest as XmlProfileManifest;
    const compiled: CompiledProfile = {
      sha256: profile.sha256,
      xsd,
      rules,
      codeLists: loadCodeLists(resolver.profiles),
      realPersonNumber: manifest.identifiers?.realPersonNumber ?? 'error',
    };
    this.compiled.set(profile.manifest.id, compiled);
    return compiled;
  }

  validate(input: Uint8Array, profileId?: string): FormatResult {
    const given = profileId ? this.catalog.require(profileId) : undefined;
    if (given && given.manifest.kind !== 'xml') throw new SamsvarError('unprocessable', `profile ${profileId} is not an XML profile`);
    const manifest = given?.manifest as XmlProfileManifest | undefined;
    const base = given
      ? { profile: given.manifest.id, profileVersion: given.manifest.version, profileSha256: given.sha256, detection: 'given' }
      : { profile: null, detection: 'not detected: the document could not be read' };

    const scan = prescan(input, {
      maxBytes: manifest?.limits?.maxBytes ?? DEFAULT_MAX_BYTES,
      maxDepth: manifest?.limits?.maxDepth ?? DEFAULT_MAX_DEPTH,
    });
    if (scan.fatal) return { ...base, findings: [scan.fatal] };

    let doc: XmlDocument;
    try {
      doc = XmlDocument.fromBuffer(input, { option: PARSE_OPTIONS });
    } catch (e) {
      return { ...base, findings: syntaxFindings(e) };
    }
    try {
      let profile = given;
      let detection = base.detection;
      if (!profile) {
        const detected = detectProfile(this.catalog, documentFacts(doc));
        detection = detected.note;
        if (!detected.profile) {
          return {
            profile: null,
            detection,
            findings: [{ ruleId: 'PROFILE-UNKNOWN', severity: 'error', layer: 'schema', message: `No installed profile fits this document: ${detection}. Name one with --profile (samsvar profiles list).`, line: 1, column: 1 }],
          };
        }
        profile = detected.profile;
      }
      const compiled = this.prepare(profile);
      const findings = [
        ...(given ? mismatchFindings(profile.manifest as XmlProfileManifest, doc) : []),
        ...this.schemaFindings(compiled.xsd, doc, scan.map),
        ...this.ruleFindings(compiled, doc, scan.map),
      ];
      return {
        profile: profile.manifest.id,
        profileVersion: profile.manifest.version,
        profileSha256: profile.sha256,
        detection,
        findings: sortFindings(findings),
      };
    } finally {
      doc.dispose();
    }
  }

  private schemaFindings(xsd: XsdValidator, doc: XmlDocument, map: SourceMap): Finding[] {
    try {
      xsd.validate(doc);
      return [];
    } catch (e) {
      if (!(e instanceof XmlValidateError)) throw e;
      return e.details.map((d) => {
        const element = d.xpath ? map.resolvePositionalPath(d.xpath) : undefined;
        const at = element !== undefined ? map.position(map.starts[element]) : { line: d.line || 1, column: d.col || 1 };
        return {
          ruleId: 'XSD',
          severity: d.level === 1 ? 'warning' : 'error',
          layer: 'schema',
          message: readableSchemaMessage(d.message),
          ...at,
          ...(element !== undefined ? { xpath: map.readablePath(element) } : {}),
        } satisfies Finding;
      });
    }
  }

  private ruleFindings(compiled: CompiledProfile, doc: XmlDocument, map: SourceMap): Finding[] {
    const out: Finding[] = [];
    for (const schematron of compiled.rules) {
      for (const hit of schematron.run(doc)) out.push({ ...hit.finding, ...locate(hit.node, map) });
    }
    for (const hit of checkCodedValues(doc, compiled.codeLists)) out.push({ ...hit.finding, ...locate(hit.element, map, hit.attribute) });
    for (const hit of checkIdentifiers(doc, compiled.realPersonNumber)) out.push({ ...hit.finding, ...locate(hit.element, map) });
    return out;
  }
}

/**
 * A profile named by the caller must fit the document: the schema alone cannot tell a notat from a
 * forespørsel when both share the Dialogmelding schema, but MsgInfo/Type can.
 */
function mismatchFindings(manifest: XmlProfileManifest, doc: XmlDocument): Finding[] {
  if (!manifest.detect) return [];
  const facts = documentFacts(doc);
  const expected = manifest.detect;
  const problems: string[] = [];
  if (expected.rootNamespace !== facts.rootNamespace) problems.push(`its root element is in namespace ${facts.rootNamespace || '(none)'}, not ${expected.rootNamespace}`);
  else {
    if (expected.msgType && expected.msgType !== facts.msgType) problems.push(`MsgInfo/Type is ${facts.msgType ?? '(missing)'}, not ${expected.msgType}`);
    if (expected.documentNamespace && expected.documentNamespace !== facts.documentNamespace) problems.push(`the embedded document is in namespace ${facts.documentNamespace ?? '(none)'}, not ${expected.documentNamespace}`);
  }
  if (!problems.length) return [];
  return [{
    ruleId: 'PROFILE-MISMATCH',
    severity: 'error',
    layer: 'schema',
    message: `This document is not a ${manifest.title}: ${problems.join('; ')}`,
    line: 1,
    column: 1,
    xpath: '/',
  }];
}

function syntaxFindings(e: unknown): Finding[] {
  const details = e instanceof XmlLibError ? e.details ?? [] : [];
  if (!details.length) {
    return [{ ruleId: 'SYNTAX-MALFORMED', severity: 'error', layer: 'syntax', message: `The document is not well-formed XML: ${(e as Error).message?.trim()}`, line: 1, column: 1 }];
  }
  return details.slice(0, MAX_SYNTAX_FINDINGS).map((d) => ({
    ruleId: 'SYNTAX-MALFORMED',
    severity: 'error',
    layer: 'syntax',
    message: `Not well-formed XML: ${d.message.trim()}`,
    line: d.line || 1,
    column: d.col || 1,
  }));
}

/** Child-position path of a node (`/*[1]/*[3]`), so that it maps onto the source map's start tags. */
function positionalPath(node: XmlNode): { path: string } {
  let cur: XmlNode | null = node instanceof XmlAttribute ? node.parent : node;
  while (cur && !(cur instanceof XmlElement)) cur = cur.parent;
  const steps: string[] = [];
  for (let el: XmlNode | null = cur; el instanceof XmlElement; el = el.parent) {
    let index = 1;
    for (let p = el.prev; p; p = p.prev) if (p instanceof XmlElement) index++;
    steps.push(`*[${index}]`);
  }
  return { path: `/${steps.reverse().join('/')}` };
}

/**
 * Finds the start tag of a node. Usually one element of that name starts on the node's line, which
 * is cheap to look up; otherwise (one-line messages) the node's child positions decide.
 */
function locate(node: XmlNode, map: SourceMap, attributeName?: string): Pick<Finding, 'line' | 'column' | 'xpath'> {
  const attr = attributeName ?? (node instanceof XmlAttribute ? node.name : undefined);
  const owner = node instanceof XmlAttribute ? node.parent : node;
  let element = owner instanceof XmlElement ? map.uniqueElementOnLine(owner.line, owner.name) : undefined;
  element ??= map.resolvePositionalPath(positionalPath(node).path);
  if (element === undefined) return { line: node.line || 1, column: 1 };
  const offset = attr ? map.attributeOffset(element, attr) : map.starts[element];
  return { ...map.position(offset), xpath: map.readablePath(element) + (attr ? `/@${attr}` : '') };
}
