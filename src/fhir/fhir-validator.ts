/**
 * The FHIR side of the engine: parses a JSON resource (or Bundle), picks the profile (given, from
 * the resource's meta.profile claims, or the base R4 definition) and reports findings.
 */
import path from 'node:path';
import type { Finding } from '../core/finding.js';
import { mostSevereFirst, sortFindings } from '../core/finding.js';
import { findingsLimitNotice, ruleFinding } from '../core/rule-catalogue.js';
import { SamsvarError } from '../core/samsvar-error.js';
import type { FormatResult } from '../core/validation-result.js';
import type { ProfileCatalog } from '../profiles/catalog.js';
import type { FhirProfileManifest, LoadedProfile } from '../profiles/manifest.js';
import type { FhirResource, StructureDefinition } from './conformance-store.js';
import { baseConformance, ConformanceStore, pickVersion } from './conformance-store.js';
import { elementTree } from './element-tree.js';
import { InstanceValidator } from './instance-validator.js';
import type { JsonLimits, JsonNode, ParseOutcome } from './json-parser.js';
import { parseJson, toPlain } from './json-parser.js';
import { readFhirXml } from './xml-reader.js';
import { isXmlSpace } from '../xml/xml-space.js';
import { checkNorwegianIdentifiers, mergeIdentifierFindings } from './identifier-check.js';
import { packageResourcesFor } from './package-store.js';
import type { TerminologyQuestion, TerminologyServer } from './terminology-server.js';

/** Codes asked of the terminology server per validation, and at most this many at a time. */
const MAX_TERMINOLOGY_QUESTIONS = 200;
const TERMINOLOGY_CONCURRENCY = 8;

export interface FhirValidatorOptions {
  limits?: JsonLimits;
  /** Where codes the loaded definitions cannot judge are checked (SAMSVAR_TERMINOLOGY_URL); without one they are reported as not checked. */
  terminology?: TerminologyServer;
  /** An extension whose definition is not loaded: an error as in the HL7 validator (default), or a warning (SAMSVAR_FHIR_UNKNOWN_EXTENSIONS). */
  unknownExtensions?: 'error' | 'warning';
}

function profileResources(profile: LoadedProfile): FhirResource[] {
  const m = profile.manifest as FhirProfileManifest;
  const names = m.resources ?? [...profile.files.keys()].filter((f) => f.endsWith('.json') && f !== 'profile.json');
  const out: FhirResource[] = [];
  for (const name of names) {
    const bytes = profile.files.get(name);
    if (!bytes) throw new SamsvarError('profile_invalid', `profile ${m.id} lists ${name}, which is not in ${profile.dir}`);
    if (name.toLowerCase().endsWith('.xml')) {
      // A conformance resource in FHIR XML, read as a resource to validate is, into the JSON it stands for.
      const read = readFhirXml(bytes, baseConformance());
      if (!read.ok) throw new SamsvarError('profile_invalid', `profile ${m.id}: ${name} is not FHIR XML: ${read.finding.message}`);
      out.push(toPlain(read.root) as FhirResource);
      continue;
    }
    try {
      out.push(JSON.parse(Buffer.from(bytes).toString('utf8')) as FhirResource);
    } catch (e) {
      throw new SamsvarError('profile_invalid', `profile ${m.id}: ${name} is not valid JSON: ${(e as Error).message}`);
    }
  }
  return out;
}

export class FhirValidator {
  private store?: ConformanceStore;
  private readonly broken = new Map<string, SamsvarError>();
  /** The StructureDefinition each catalog profile brought (two may share a canonical URL). */
  private readonly profileSd = new Map<string, StructureDefinition>();

  constructor(
    readonly catalog: ProfileCatalog,
    readonly options: FhirValidatorOptions = {},
  ) {}

  private fhirProfiles(): LoadedProfile[] {
    return this.catalog.list().filter((p) => p.manifest.kind === 'fhir');
  }

  /**
   * The conformance resources of every FHIR profile in the catalog and the packages they depend
   * on, over the base R4 definitions. Built once; profiles may refer to each other's extensions.
   * A profile that cannot be loaded is set aside with its reason: it fails when used, the others work.
   */
  conformance(): ConformanceStore {
    if (this.store) return this.store;
    const store = new ConformanceStore(baseConformance());
    // Shipped profiles come last, so that an unversioned canonical reference inside the definitions
    // finds samsvar's own; each catalog profile still validates with the definition it brought (profileSd).
    const ordered = [...this.fhirProfiles()].sort((a, b) => Number(a.source === 'shipped') - Number(b.source === 'shipped'));
    for (const p of ordered) {
      const m = p.manifest as FhirProfileManifest;
      try {
        const mine = profileResources(p);
        const resources = [...(m.dependencies ?? []).flatMap((dep) => packageResourcesFor(dep, path.dirname(p.dir))), ...mine];
        for (const r of resources) store.add(r);
        // The profile's definition is its own, not a dependency's, and one version of it.
        const isOwn = (r: FhirResource): r is StructureDefinition => r.resourceType === 'StructureDefinition' && r.url === m.url;
        const owns = mine.filter(isOwn);
        const versions = [...new Set(owns.map((r) => r.version ?? '(no version)'))];
        if (versions.length > 1)
          throw new SamsvarError(
            'profile_invalid',
            `profile ${m.id}: its resources hold ${versions.length} versions of the StructureDefinition ${m.url} (${versions.join(', ')}); a catalog profile is one version of it, so each version needs a profile of its own`,
          );
        const own = owns[0] ?? resources.find(isOwn);
        if (own) this.profileSd.set(m.id, own);
      } catch (e) {
        this.broken.set(m.id, asProfileError(m.id, e));
      }
    }
    for (const p of this.fhirProfiles()) {
      const m = p.manifest as FhirProfileManifest;
      if (this.broken.has(m.id)) continue;
      try {
        const sd = this.profileSd.get(m.id);
        if (!sd) throw new SamsvarError('profile_invalid', `profile ${m.id}: no StructureDefinition with url ${m.url} among its resources`);
        elementTree(sd, store); // compile (and generate the snapshot) once, up front
      } catch (e) {
        this.broken.set(m.id, asProfileError(m.id, e));
      }
    }
    this.store = store;
    return store;
  }

  /**
   * The catalog profile a meta.profile claim names. When a shipped profile and an imported package
   * share the canonical URL, a claim with a version takes the one of that version, and a claim
   * without takes the imported package's (the artifact names the official definition, which the
   * package carries); `choice` says so.
   */
  private profileForClaim(claim: string, rt: string): { profile: LoadedProfile; sd: StructureDefinition; choice?: string } | undefined {
    const [url, version] = claim.split('|');
    const candidates = this.fhirProfiles()
      .filter((p) => !this.broken.has(p.manifest.id) && (p.manifest as FhirProfileManifest).url === url)
      .map((p) => ({ profile: p, sd: this.profileSd.get(p.manifest.id)! }))
      .filter((c) => c.sd && c.sd.type === rt);
    const named = version ? pickVersion(version, candidates, (c) => c.sd.version) : undefined;
    const fitting = !version ? candidates : named ? candidates.filter((c) => c.sd.version === named.sd.version) : [];
    const chosen = fitting.find((c) => c.profile.source === 'imported') ?? fitting[0];
    if (!chosen) return undefined;
    const others = candidates.filter((c) => c !== chosen);
    if (!others.length) return chosen;
    const describe = (c: { profile: LoadedProfile; sd: StructureDefinition }) =>
      `${c.profile.source} profile ${c.profile.manifest.id} (version ${c.sd.version ?? c.profile.manifest.version})`;
    const why = version
      ? `the claim names version ${version}${chosen.sd.version === version ? '' : ` (${chosen.sd.version} is the latest loaded version it admits)`}`
      : 'the claim names no version, and the imported package carries the published definition';
    return {
      ...chosen,
      choice: `${describe(chosen)} chosen over ${others.map(describe).join(', ')}, which share${others.length === 1 ? 's' : ''} the canonical URL ${url}: ${why}`,
    };
  }

  /** The loaded profiles of the resource's type that its meta.profile claims, each once, other than those already chosen. */
  private claimedProfiles(claims: string[], rt: string, chosen: StructureDefinition[]): StructureDefinition[] {
    const found = new Set<StructureDefinition>();
    for (const c of claims) {
      const sd = this.profileForClaim(c, rt)?.sd ?? this.conformance().claimedStructureDefinition(c);
      if (sd && sd.type === rt && !chosen.includes(sd)) found.add(sd);
    }
    return [...found];
  }

  /** Why a catalog profile cannot be used, or undefined when it can. */
  problemWith(profileId: string): SamsvarError | undefined {
    this.conformance();
    return this.broken.get(profileId);
  }

  /** Validates a resource in FHIR's JSON or XML format (XML is read into the same tree; what only XML can get wrong is added). */
  async validate(input: Uint8Array, profileId?: string): Promise<FormatResult> {
    return (await this.validateRead(input, profileId)).result;
  }

  /** Validates, and hands back the resource as it was read (plain JSON) for test-case assertions, without reading it again. */
  async validateRead(input: Uint8Array, profileId?: string): Promise<{ result: FormatResult; resource?: () => unknown }> {
    const xml = startsWithXml(input);
    const parsed = xml ? readFhirXml(input, this.conformance(), this.options.limits) : asRead(parseJson(input, this.options.limits));
    if (!parsed.ok)
      return {
        result: {
          profile: profileId ?? null,
          detection: profileId ? 'given' : `none: the ${xml ? 'XML' : 'JSON'} could not be read`,
          findings: [parsed.finding],
        },
      };
    const result = await this.validateTree(parsed.root, profileId);
    const { xmlFindings } = parsed;
    return {
      result: xmlFindings.length ? { ...result, findings: reported([...xmlFindings, ...result.findings]) } : result,
      resource: () => toPlain(parsed.root),
    };
  }

  private async validateTree(root: JsonNode, profileId?: string): Promise<FormatResult> {
    const store = this.conformance();
    const resourceType = root.kind === 'object' ? root.props.get('resourceType')?.value : undefined;
    if (root.kind !== 'object' || resourceType?.kind !== 'string') {
      const message =
        root.kind !== 'object' ? 'A FHIR resource must be a JSON object' : 'The resource has no "resourceType" string property';
      const finding = ruleFinding('FHIR-STRUCTURE-RESOURCETYPE', message, { line: root.line, column: root.column });
      return { profile: profileId ?? null, detection: profileId ? 'given' : 'none: no resourceType', findings: [finding] };
    }
    const rt = resourceType.value;
    const base = store.baseType(rt);
    if (!base || base.kind !== 'resource') {
      const finding = ruleFinding('FHIR-STRUCTURE-RESOURCETYPE', `'${rt}' is not a FHIR R4 resource type`, {
        line: resourceType.line,
        column: resourceType.column,
        path: 'resourceType',
      });
      return { profile: profileId ?? null, detection: profileId ? 'given' : 'none: unknown resourceType', findings: [finding] };
    }

    const validator = new InstanceValidator(store, { followMetaProfile: true, unknownExtensions: this.options.unknownExtensions });
    if (profileId) {
      const profile = this.catalog.require(profileId);
      if (profile.manifest.kind !== 'fhir') throw new SamsvarError('unprocessable', `profile ${profileId} is not a FHIR profile`);
      const problem = this.broken.get(profileId);
      if (problem) throw problem;
      const sd = this.profileSd.get(profileId)!;
      // The profiles the resource claims are checked too, as the HL7 validator does beside -profile.
      const claimed = this.claimedProfiles(
        metaProfileNodes(root).map((n) => n.value),
        rt,
        [sd],
      );
      const all = [...this.validateWith(root, rt, sd, validator), ...claimed.flatMap((c) => validator.validate(root, c))];
      const findings = this.withIdentifiers(distinctFindings(all), root, rt, profile.manifest);
      findings.push(...(await this.terminologyFindings(validator.takeQuestions())));
      return {
        profile: profileId,
        profileVersion: profile.manifest.version,
        profileSha256: profile.sha256,
        detection: 'given',
        findings: reported(findings),
      };
    }

    const claimNodes = metaProfileNodes(root);
    const claims = claimNodes.map((n) => n.value);
    for (const claim of claims) {
      const hit = this.profileForClaim(claim, rt);
      if (!hit) continue;
      const m = hit.profile.manifest as FhirProfileManifest;
      // As the HL7 validator does, the resource is checked against every profile it claims that is
      // loaded; the first the catalog has names the result. What the base definition finds is said once.
      const all = [hit.sd, ...this.claimedProfiles(claims, rt, [hit.sd])].flatMap((sd) => validator.validate(root, sd));
      const findings = this.withIdentifiers(distinctFindings(all), root, rt, m);
      findings.push(...(await this.terminologyFindings(validator.takeQuestions())));
      const detection = `from meta.profile claim ${claim}${hit.choice ? `; ${hit.choice}` : ''}`;
      return { profile: m.id, profileVersion: m.version, profileSha256: hit.profile.sha256, detection, findings: reported(findings) };
    }
    const findings = this.withIdentifiers(validator.validate(root, base), root, rt);
    findings.push(...(await this.terminologyFindings(validator.takeQuestions())));
    claimNodes.forEach((c, i) => {
      if (store.claimedStructureDefinition(c.value)) return;
      findings.push(
        ruleFinding(
          'FHIR-PROFILE-UNKNOWN',
          `meta.profile claims ${c.value}, which is not loaded, so the resource was checked against the base definition only; \`samsvar profiles import\` can add its package`,
          { path: `${rt}.meta.profile[${i}]`, line: c.line, column: c.column },
        ),
      );
    });
    const detection = claims.length
      ? `no meta.profile claim (${claims.join(', ')}) names a catalog profile: validated against the base FHIR R4 ${rt}${rt === 'Bundle' ? ' (entries by their own claims)' : ''}`
      : `no profile given and no meta.profile claim: validated against the base FHIR R4 ${rt}${rt === 'Bundle' ? ' (entries by their own claims)' : ''}`;
    return { profile: null, detection, findings: reported(findings) };
  }

  /**
   * Asks the terminology server about the codes the walk could not judge. What it refuses is a
   * finding like a local one; what it could not answer, or everything when no server is
   * configured, is reported as not checked (information), never as valid.
   */
  private async terminologyFindings(questions: TerminologyQuestion[]): Promise<Finding[]> {
    if (!questions.length) return [];
    const server = this.options.terminology;
    const asked = server ? questions.slice(0, MAX_TERMINOLOGY_QUESTIONS) : [];
    const unchecked = new Map<string, TerminologyQuestion[]>();
    const note = (reason: string, q: TerminologyQuestion) => {
      const qs = unchecked.get(reason);
      if (qs) qs.push(q);
      else unchecked.set(reason, [q]);
    };
    if (!server) for (const q of questions) note('no terminology server is configured (SAMSVAR_TERMINOLOGY_URL)', q);
    else
      for (const q of questions.slice(MAX_TERMINOLOGY_QUESTIONS))
        note(`samsvar asks the terminology server at most ${MAX_TERMINOLOGY_QUESTIONS} questions per validation`, q);
    const out: Finding[] = [];
    let next = 0;
    const worker = async () => {
      while (next < asked.length) {
        const q = asked[next++];
        const a = q.kind === 'expansion' ? await server!.inValueSet(q) : await server!.validateCode(q);
        if (!a.checked) note(a.reason, q);
        else if (!a.result) out.push(refusal(q, a.message));
      }
    };
    await Promise.all(Array.from({ length: Math.min(TERMINOLOGY_CONCURRENCY, asked.length) }, worker));
    for (const [reason, qs] of unchecked) {
      const systems = [...new Set(qs.map((q) => q.system ?? q.url))].slice(0, 5).join(', ');
      out.push({
        ruleId: 'TERMINOLOGY-NOT-CHECKED',
        severity: 'information',
        layer: 'terminology',
        message: `${qs.length} code${qs.length > 1 ? 's' : ''} that the loaded definitions cannot judge (from ${systems}) ${qs.length > 1 ? 'were' : 'was'} not checked: ${reason}. Not checked is not valid`,
        path: qs[0].path,
        ...(qs[0].line ? { line: qs[0].line, column: qs[0].column } : {}),
      });
    }
    return out;
  }

  /** Adds the Norwegian identifier checks (identifier layer) to a validation's findings. */
  private withIdentifiers(findings: Finding[], root: JsonNode, rt: string, manifest?: FhirProfileManifest): Finding[] {
    const realPersonNumber = manifest?.identifiers?.realPersonNumber ?? 'error';
    return mergeIdentifierFindings(findings, checkNorwegianIdentifiers(root, rt, realPersonNumber));
  }

  /** A profile for the resource itself, or for the entries of a Bundle (entry by entry). */
  private validateWith(root: JsonNode & { kind: 'object' }, rt: string, sd: StructureDefinition, validator: InstanceValidator): Finding[] {
    if (sd.type === rt) return validator.validate(root, sd);
    if (rt !== 'Bundle') {
      return [
        ruleFinding('FHIR-PROFILE-TYPE', `The profile ${sd.url} describes ${sd.type}, but the resource is a ${rt}`, {
          path: rt,
          line: root.line,
          column: root.column,
        }),
      ];
    }
    const findings = validator.validate(root, this.conformance().baseType('Bundle')!);
    const entries = root.props.get('entry')?.value;
    let matched = 0;
    if (entries?.kind === 'array') {
      entries.items.forEach((e, i) => {
        const res = e.kind === 'object' ? e.props.get('resource')?.value : undefined;
        const t = res?.kind === 'object' ? res.props.get('resourceType')?.value : undefined;
        if (res && t?.kind === 'string' && t.value === sd.type) {
          matched++;
          findings.push(...validator.validate(res, sd, `Bundle.entry[${i}].resource`, root));
        }
      });
    }
    if (!matched) {
      findings.push(
        ruleFinding('FHIR-PROFILE-TYPE', `The profile ${sd.url} describes ${sd.type}, and the Bundle has no ${sd.type} entry`, {
          path: 'Bundle.entry',
          line: root.line,
          column: root.column,
        }),
      );
    }
    return findings;
  }
}

/** What the terminology server refused, as the finding a local check would give. */
function refusal(q: TerminologyQuestion, message: string | undefined): Finding {
  const said = message ? `: ${message}` : '';
  const at = { path: q.path, ...(q.line ? { line: q.line, column: q.column } : {}) };
  if (q.kind === 'codesystem') {
    const what = q.display ? `code '${q.code}' with display '${q.display}'` : `code '${q.code}'`;
    return {
      ruleId: 'FHIR-CODE-INVALID',
      severity: 'error',
      layer: 'terminology',
      message: `${q.path}: the terminology server does not accept ${what} in ${q.url}${said}`,
      ...at,
    };
  }
  const [ruleId, severity]: [string, Finding['severity']] =
    q.strength === 'required' ? ['FHIR-BINDING-REQUIRED', 'error'] : ['FHIR-BINDING-EXTENSIBLE', 'warning'];
  const codes = (q.anyOf ?? [{ system: q.system, code: q.code }]).map((c) => `${c.system ? `${c.system}|` : ''}${c.code}`).join(', ');
  return {
    ruleId,
    severity,
    layer: 'terminology',
    message: `${q.path}: ${codes} is not in the ValueSet ${q.url} (${q.strength} binding), says the terminology server${said}`,
    ...at,
  };
}

function asProfileError(id: string, e: unknown): SamsvarError {
  if (e instanceof SamsvarError) return e;
  return new SamsvarError('profile_invalid', `profile ${id} cannot be loaded: ${(e as Error).message}`);
}

function metaProfileNodes(root: JsonNode & { kind: 'object' }): (JsonNode & { kind: 'string' })[] {
  const meta = root.props.get('meta')?.value;
  const profiles = meta?.kind === 'object' ? meta.props.get('profile')?.value : undefined;
  if (profiles?.kind !== 'array') return [];
  return profiles.items.flatMap((n) => (n.kind === 'string' ? [n] : []));
}

export { toOperationOutcome } from './operation-outcome.js';

/** Each finding once: a resource checked against several profiles gets what its base definition finds from each. */
function distinctFindings(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.ruleId}\0${f.severity}\0${f.path ?? ''}\0${f.line ?? ''}:${f.column ?? ''}\0${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Sorted, and at most MAX_FINDINGS of them, the most severe kept (see mostSevereFirst). */
function reported(findings: Finding[]): Finding[] {
  const { kept, omitted } = mostSevereFirst(findings);
  const sorted = sortFindings(kept);
  return omitted ? [...sorted, findingsLimitNotice(omitted, 'structure')] : sorted;
}

/** JSON as the XML reader gives its tree: JSON has no findings of its own to add. */
function asRead(parsed: ParseOutcome): ReturnType<typeof readFhirXml> {
  return parsed.ok ? { ...parsed, xmlFindings: [] } : parsed;
}

/** Whether the bytes start (after a byte order mark and white space) with `<`. */
function startsWithXml(input: Uint8Array): boolean {
  let i = input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf ? 3 : 0;
  while (i < input.length && isXmlSpace(input[i]!)) i++;
  return input[i] === 0x3c;
}
