import { XmlValidateError, type XmlDocument, type XsdValidator } from 'libxml2-wasm';
import type { Finding, Severity } from '../core/finding.js';
import { mostSevereFirst, sortFindings } from '../core/finding.js';
import { findingsLimitNotice, ruleFinding } from '../core/rule-catalogue.js';
import { SamsvarError } from '../core/samsvar-error.js';
import type { FormatResult } from '../core/validation-result.js';
import type { ProfileCatalog } from '../profiles/catalog.js';
import type { PreparationObserver } from '../core/preparation-observer.js';
import { detectRules, type LoadedProfile, type XmlProfileManifest } from '../profiles/manifest.js';
import { checkCodedValues, loadCodeLists, type CodeList } from './codelists.js';
import { checkDetectXPaths, detectProfile, documentFacts, matches, typeElement } from './detect-profile.js';
import { checkIdentifiers } from './identifier-check.js';
import { buildLightTree, type LightTree } from './light-tree.js';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH } from './limits.js';
import { ProfileResolver } from './profile-resolver.js';
import { readXml, type ParsedXml } from './read-xml.js';
import { CompiledSchematron } from './schematron.js';
import type { SourceMap } from './source-map.js';
import { compileProfileSchema } from './xsd-compiler.js';

interface CompiledProfile {
  sha256: string;
  /** The profiles it uses, as compiled: a used profile replaced in the catalog (a new msghead-1.2) compiles this one again. */
  used: LoadedProfile[];
  xsd: XsdValidator;
  rules: CompiledSchematron[];
  codeLists: Map<string, CodeList>;
  realPersonNumber: Severity | 'off';
}

/** A finding whose position is looked up only if it is reported: a hostile message can yield hundreds of thousands. */
interface PendingFinding {
  severity: Severity;
  locate(): Finding;
}

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

  constructor(
    readonly catalog: ProfileCatalog,
    private readonly preparation?: PreparationObserver,
  ) {}

  /** Compiles (once per profile content) everything a profile needs; later documents reuse it. */
  prepare(profile: LoadedProfile): CompiledProfile {
    const cached = this.compiled.get(profile.manifest.id);
    if (cached && cached.sha256 === profile.sha256 && cached.used.every((u) => this.catalog.get(u.manifest.id) === u)) return cached;
    this.preparation?.start();
    try {
      return this.compile(profile, cached);
    } finally {
      this.preparation?.end();
    }
  }

  private compile(profile: LoadedProfile, cached: CompiledProfile | undefined): CompiledProfile {
    if (cached) {
      this.compiled.delete(profile.manifest.id);
      disposeCompiled(cached);
    }
    checkDetectXPaths(profile.manifest as XmlProfileManifest);
    const resolver = new ProfileResolver(profile, this.catalog);
    const xsd = compileProfileSchema(resolver);
    const rules: CompiledSchematron[] = [];
    try {
      for (const p of resolver.profiles) {
        for (const rel of (p.manifest as XmlProfileManifest).rules ?? []) {
          const bytes = p.files.get(rel);
          if (!bytes) throw new SamsvarError('profile_invalid', `profile ${p.manifest.id}: rule file ${rel} is not in the profile`);
          rules.push(CompiledSchematron.compile(bytes, `${p.manifest.id}/${rel}`));
        }
      }
      checkOneCheckPerId(profile.manifest.id, rules);
      const manifest = profile.manifest as XmlProfileManifest;
      const compiled: CompiledProfile = {
        sha256: profile.sha256,
        used: resolver.profiles.slice(1),
        xsd,
        rules,
        codeLists: loadCodeLists(resolver.profiles),
        realPersonNumber: manifest.identifiers?.realPersonNumber ?? 'error',
      };
      this.compiled.set(profile.manifest.id, compiled);
      return compiled;
    } catch (e) {
      disposeCompiled({ xsd, rules });
      throw e;
    }
  }

  /**
   * Validates a message. `inspect`, when given, runs on the same parsed document once the profile
   * is known (test-case assertions look into the message this way, without parsing it again).
   */
  validate<T = never>(
    input: Uint8Array,
    profileId?: string,
    inspect?: (xml: ParsedXml, profile: string) => T,
  ): FormatResult & { inspected?: T } {
    const given = profileId ? this.catalog.require(profileId) : undefined;
    if (given && given.manifest.kind !== 'xml') throw new SamsvarError('unprocessable', `profile ${profileId} is not an XML profile`);
    const manifest = given?.manifest as XmlProfileManifest | undefined;
    const base = given
      ? { profile: given.manifest.id, profileVersion: given.manifest.version, profileSha256: given.sha256, detection: 'given' }
      : { profile: null, detection: 'not detected: the document could not be read' };

    const { parsed, findings: syntax } = readXml(input, {
      maxBytes: manifest?.limits?.maxBytes ?? DEFAULT_MAX_BYTES,
      maxDepth: manifest?.limits?.maxDepth ?? DEFAULT_MAX_DEPTH,
    });
    if (!parsed) return { ...base, findings: syntax };
    const doc = parsed.doc;
    try {
      // One walk copies libxml2's tree into JavaScript; detection and every rule layer read that copy.
      const tree = buildLightTree(doc);
      let profile = given;
      let detection = base.detection;
      if (!profile) {
        const detected = detectProfile(this.catalog, doc, tree);
        detection = detected.note;
        if (!detected.profile) {
          return {
            profile: null,
            detection,
            findings: [
              ruleFinding(
                'PROFILE-UNKNOWN',
                `No installed profile fits this document: ${detection}. Name one with --profile (samsvar profiles list).`,
                { line: 1, column: 1 },
              ),
            ],
          };
        }
        profile = detected.profile;
      }
      const compiled = this.prepare(profile);
      const findings = [
        ...(given ? mismatchFindings(profile.manifest as XmlProfileManifest, doc, tree) : []),
        ...mostSevere([...this.schemaFindings(compiled.xsd, doc, parsed.map), ...this.ruleFindings(compiled, parsed, tree)]),
      ];
      return {
        profile: profile.manifest.id,
        profileVersion: profile.manifest.version,
        profileSha256: profile.sha256,
        detection,
        findings: sortFindings(findings),
        ...(inspect ? { inspected: inspect(parsed, profile.manifest.id) } : {}),
      };
    } finally {
      doc.dispose();
    }
  }

  private schemaFindings(xsd: XsdValidator, doc: XmlDocument, map: SourceMap): PendingFinding[] {
    try {
      xsd.validate(doc);
      return [];
    } catch (e) {
      if (!(e instanceof XmlValidateError)) throw e;
      return e.details.map((d) => {
        const severity = d.level === 1 ? 'warning' : 'error';
        const locate = (): Finding => {
          const element = d.xpath ? map.resolvePositionalPath(d.xpath) : undefined;
          const at = element !== undefined ? map.position(map.starts[element]) : { line: d.line || 1, column: d.col || 1 };
          return ruleFinding('XSD', readableSchemaMessage(d.message), {
            severity,
            ...at,
            ...(element !== undefined ? { xpath: map.readablePath(element) } : {}),
          });
        };
        return { severity, locate };
      });
    }
  }

  private ruleFindings(compiled: CompiledProfile, { doc, locate }: ParsedXml, tree: LightTree): PendingFinding[] {
    const out: PendingFinding[] = [];
    for (const schematron of compiled.rules) {
      for (const hit of schematron.run(doc, tree))
        out.push({ severity: hit.finding.severity, locate: () => ({ ...hit.finding, ...locate(hit.node) }) });
    }
    for (const hit of checkCodedValues(doc, compiled.codeLists, undefined, tree)) {
      out.push({ severity: hit.finding.severity, locate: () => ({ ...hit.finding, ...locate(hit.element, hit.attribute) }) });
    }
    for (const hit of checkIdentifiers(doc, compiled.realPersonNumber, tree)) {
      out.push({ severity: hit.finding.severity, locate: () => ({ ...hit.finding, ...locate(hit.element) }) });
    }
    return out;
  }
}

/** A finding names its check by id: across the rule files a profile runs (its own and those it uses), one id is one check. */
function checkOneCheckPerId(profileId: string, rules: CompiledSchematron[]): void {
  const seen = new Map<string, { meaning: string; source: string }>();
  for (const schema of rules) {
    for (const [id, meaning] of schema.ruleMeanings()) {
      const earlier = seen.get(id);
      if (earlier && earlier.meaning !== meaning)
        throw new SamsvarError(
          'profile_invalid',
          `profile ${profileId}: rule id ${id} stands for one check in ${earlier.source} and another in ${schema.source}; give each check its own id`,
        );
      if (!earlier) seen.set(id, { meaning, source: schema.source });
    }
  }
}

function disposeCompiled(c: Pick<CompiledProfile, 'xsd' | 'rules'>): void {
  c.xsd.dispose();
  for (const r of c.rules) r.dispose();
}

/**
 * A profile named by the caller must fit the document: the schema alone cannot tell a notat from a
 * forespørsel when both share the Dialogmelding schema, but MsgInfo/Type can.
 */
function mismatchFindings(manifest: XmlProfileManifest, doc: XmlDocument, tree: LightTree): Finding[] {
  const alternatives = detectRules(manifest);
  if (!alternatives.length) return [];
  const facts = documentFacts(doc, tree);
  if (alternatives.some((d) => matches(manifest.id, d, facts, doc))) return [];
  // Explain against the alternative for the document's own root namespace, if there is one.
  const expected = alternatives.find((d) => d.rootNamespace === facts.rootNamespace) ?? alternatives[0];
  const problems: string[] = [];
  if (expected.rootNamespace !== facts.rootNamespace)
    problems.push(`its root element is in namespace ${facts.rootNamespace || '(none)'}, not ${expected.rootNamespace}`);
  else {
    if (expected.msgType && expected.msgType !== facts.msgType)
      problems.push(`${typeElement(facts)} is ${facts.msgType ?? '(missing)'}, not ${expected.msgType}`);
    if (expected.documentNamespace && expected.documentNamespace !== facts.documentNamespace)
      problems.push(`the embedded document is in namespace ${facts.documentNamespace ?? '(none)'}, not ${expected.documentNamespace}`);
    // Nothing else differs, so the alternative's own XPath test is what the document fails.
    if (!problems.length && expected.xpath)
      problems.push(
        expected.describe ? `it needs ${expected.describe}` : `it does not pass the profile's detection test ${expected.xpath}`,
      );
  }
  if (!problems.length) return [];
  return [
    ruleFinding('PROFILE-MISMATCH', `This document is not a ${manifest.title}: ${problems.join('; ')}`, { line: 1, column: 1, xpath: '/' }),
  ];
}

/** Locates only the findings that are kept: locating a million of them would be the hang the cap prevents. */
function mostSevere(pending: PendingFinding[]): Finding[] {
  const { kept, omitted } = mostSevereFirst(pending);
  const located = kept.map((p) => p.locate());
  return omitted ? [...located, findingsLimitNotice(omitted, 'schema')] : located;
}
