import type { Finding } from '../core/finding.js';
import { ruleFinding, type RuleId } from '../core/rule-catalogue.js';
import type { CapabilityRequirement } from '../testcases/testcase.js';

interface RestResource {
  type?: unknown;
  profile?: unknown;
  supportedProfile?: unknown;
  interaction?: Array<{ code?: unknown }>;
  searchParam?: Array<{ name?: unknown }>;
}

function fail(ruleId: Extract<RuleId, `LIVE-CAP-${string}`>, message: string, path: string): Finding {
  return ruleFinding(ruleId, message, { path });
}

/** A canonical without its |version suffix: a server that declares profile|2.2.3 supports the profile. */
const unversioned = (url: string) => url.split('|')[0]!;

/** JSON formats as servers write them: json, application/fhir+json, application/json, application/json+fhir. */
function offersFormat(formats: unknown[], wanted: 'json' | 'xml'): boolean {
  return formats.some((f) => typeof f === 'string' && (f === wanted || new RegExp(`(^|[/+])${wanted}($|[+;])`).test(f.toLowerCase())));
}

/** Checks a server's CapabilityStatement against what a live test case requires of it. */
export function checkCapabilities(statement: unknown, req: CapabilityRequirement): Finding[] {
  const cs = statement as { resourceType?: unknown; fhirVersion?: unknown; format?: unknown; rest?: unknown } | null;
  if (!cs || typeof cs !== 'object' || cs.resourceType !== 'CapabilityStatement') {
    const got = cs && typeof cs === 'object' && typeof cs.resourceType === 'string' ? `a ${cs.resourceType}` : 'no FHIR resource';
    return [fail('LIVE-CAP-TYPE', `GET [base]/metadata must return a CapabilityStatement, but returned ${got}`, 'CapabilityStatement')];
  }
  const findings: Finding[] = [];
  if (req.fhirVersion && cs.fhirVersion !== req.fhirVersion) {
    findings.push(
      fail(
        'LIVE-CAP-FHIRVERSION',
        `The server declares FHIR version ${JSON.stringify(cs.fhirVersion ?? null)}; this test requires ${req.fhirVersion} (FHIR R4)`,
        'CapabilityStatement.fhirVersion',
      ),
    );
  }
  const formats = Array.isArray(cs.format) ? cs.format : [];
  if (req.format && !offersFormat(formats, req.format)) {
    findings.push(
      fail(
        'LIVE-CAP-FORMAT',
        `The server does not declare the ${req.format} format (CapabilityStatement.format is ${JSON.stringify(formats)})`,
        'CapabilityStatement.format',
      ),
    );
  }
  const rests = Array.isArray(cs.rest) ? (cs.rest as Array<{ mode?: unknown; resource?: unknown }>) : [];
  const restIndex = rests.findIndex((r) => r && r.mode === 'server');
  if (!req.resources?.length) return findings;
  if (restIndex < 0) {
    findings.push(
      fail(
        'LIVE-CAP-REST',
        'The CapabilityStatement has no rest entry with mode "server", so it declares no RESTful API',
        'CapabilityStatement.rest',
      ),
    );
    return findings;
  }
  const resources = Array.isArray(rests[restIndex]!.resource) ? (rests[restIndex]!.resource as RestResource[]) : [];
  for (const wanted of req.resources) {
    const i = resources.findIndex((r) => r && r.type === wanted.type);
    const at = `CapabilityStatement.rest[${restIndex}].resource`;
    if (i < 0) {
      findings.push(fail('LIVE-CAP-RESOURCE', `The server does not declare the resource type ${wanted.type}`, at));
      continue;
    }
    const res = resources[i]!;
    const here = `${at}[${i}]`;
    const declared = [res.profile, ...(Array.isArray(res.supportedProfile) ? res.supportedProfile : [])]
      .filter((p): p is string => typeof p === 'string')
      .map(unversioned);
    for (const profile of wanted.profiles ?? []) {
      if (!declared.includes(unversioned(profile))) {
        findings.push(
          fail(
            'LIVE-CAP-PROFILE',
            `${wanted.type} does not declare the profile ${profile} in profile or supportedProfile`,
            `${here}.supportedProfile`,
          ),
        );
      }
    }
    const interactions = (Array.isArray(res.interaction) ? res.interaction : []).map((x) => x?.code);
    for (const code of wanted.interactions ?? []) {
      if (!interactions.includes(code))
        findings.push(fail('LIVE-CAP-INTERACTION', `${wanted.type} does not declare the interaction ${code}`, `${here}.interaction`));
    }
    const params = (Array.isArray(res.searchParam) ? res.searchParam : []).map((x) => x?.name);
    for (const name of wanted.searchParams ?? []) {
      if (!params.includes(name))
        findings.push(fail('LIVE-CAP-SEARCHPARAM', `${wanted.type} does not declare the search parameter ${name}`, `${here}.searchParam`));
    }
  }
  return findings;
}

/** Folded as a reader compares names: NFKC, lower case, whitespace collapsed. */
const fold = (s: string) => s.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();

/** "24.1" is the release of a server that says "24.1.0.123" or "24.1-hotfix", not of one that says "24.10". */
function sameRelease(declared: string, registered: string): boolean {
  const d = fold(declared);
  const r = fold(registered);
  return d === r || (d.startsWith(r) && /^[^0-9]/.test(d.slice(r.length)));
}

/**
 * What the server says it is against the system version under test: CapabilityStatement.software
 * against the registered name and version, implementation.url against the base URL tested.
 * Warnings, not errors: an honest vendor's server often names the FHIR framework it is built on
 * ("HAPI FHIR Server 7.2") and reports the URL it sees behind a proxy. The registered base URL is
 * what binds the run to the system; these tell the reviewer when the server says otherwise.
 */
export function checkIdentity(statement: unknown, system: { name: string; version: string }, baseUrl: string): Finding[] {
  const cs = statement as { resourceType?: unknown; software?: unknown; implementation?: unknown } | null;
  if (!cs || typeof cs !== 'object' || cs.resourceType !== 'CapabilityStatement') return [];
  const software = (cs.software && typeof cs.software === 'object' ? cs.software : {}) as { name?: unknown; version?: unknown };
  const name = typeof software.name === 'string' ? software.name : undefined;
  const version = typeof software.version === 'string' ? software.version : undefined;
  const findings: Finding[] = [];
  const registered = `${system.name} ${system.version}`;
  const nameOk = name !== undefined && (fold(name).includes(fold(system.name)) || fold(system.name).includes(fold(name)));
  if (!nameOk || version === undefined || !sameRelease(version, system.version)) {
    const says =
      name === undefined && version === undefined ? 'names no software' : `says it is ${[name, version].filter(Boolean).join(' ')}`;
    findings.push(
      ruleFinding('LIVE-CAP-SOFTWARE', `The CapabilityStatement ${says}; the system version under test is ${registered}`, {
        path: 'CapabilityStatement.software',
      }),
    );
  }
  const impl = (cs.implementation && typeof cs.implementation === 'object' ? cs.implementation : {}) as { url?: unknown };
  if (typeof impl.url === 'string' && impl.url.replace(/\/+$/, '') !== baseUrl.replace(/\/+$/, '')) {
    findings.push(
      ruleFinding('LIVE-CAP-IMPLEMENTATION', `The CapabilityStatement gives ${impl.url} as its base URL; the API tested is ${baseUrl}`, {
        path: 'CapabilityStatement.implementation.url',
      }),
    );
  }
  return findings;
}
