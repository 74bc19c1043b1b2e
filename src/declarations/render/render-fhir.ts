import { sha256Hex } from '../../core/sha256.js';
import type { DeclarationStatus, ProfileConformance } from '../declaration.js';
import type { DeclarationView } from './declaration-view.js';

const STATUS_DISPLAY: Record<DeclarationStatus, string> = {
  active: 'Active',
  revoked: 'Revoked',
  superseded: 'Superseded',
  expired: 'Expired',
};

/**
 * The declaration's status now, as a tag on the Bundle and on every TestReport (a client may take a
 * report out of the Bundle): the reports say what the tests found when they ran, which stays true
 * after a revocation, so only the tag tells a client whether the declaration still stands. A tag
 * rather than an extension, because an extension without a published definition is an error to R4
 * validators, and `_tag` is what a FHIR client can filter on.
 */
function statusTag(v: DeclarationView) {
  return { system: `${v.baseUrl}/fhir/CodeSystem/declaration-status`, code: v.status.status, display: STATUS_DISPLAY[v.status.status] };
}

/** A stable urn:uuid for a resource id, so the same declaration renders to the same Bundle. */
function urnUuid(name: string): string {
  const h = sha256Hex(name);
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * A valid FHIR id (`[A-Za-z0-9\-.]{1,64}`) for a declaration id: today's ids are letters and
 * digits already, but ids issued before that may hold `_`; those become `-`, and an id too long
 * keeps a digest of the whole so it stays unique.
 */
export function fhirId(id: string): string {
  const safe = id.replace(/[^A-Za-z0-9\-.]/g, '-');
  return safe.length <= 64 ? safe : `${safe.slice(0, 47)}-${sha256Hex(id).slice(0, 16)}`;
}

/**
 * A FHIR R4 Bundle (collection) of one TestReport per declared profile and direction, so
 * FHIR-native tools can read the result. Deviations appear as actions with result `warning`.
 * A level A declaration was never tested: its reports say `pending`, carry no tests and name the
 * documentation instead, so no tool can read them as a pass. A machine format, so English like the
 * API: profile titles and names stay as written.
 */
export function renderDeclarationFhir(v: DeclarationView) {
  const d = v.declaration;
  const declarationUrl = `${v.baseUrl}/api/v1/declarations/${d.id}`;
  const untested = d.assuranceLevel === 'A' || !d.validator;
  const entries = d.conformsTo.map((p, i) => {
    const cases = d.testCases.filter((t) => t.profile === p.profile && t.direction === p.direction);
    const deviations = d.deviations.filter((x) => x.profile === p.profile);
    const report = {
      resourceType: 'TestReport',
      id: fhirId(`${d.id}-${i + 1}`),
      meta: { tag: [statusTag(v)] },
      identifier: { system: `${v.baseUrl}/api/v1/declarations`, value: `${d.id}#${p.profile}/${p.direction}` },
      name: `${p.title} ${p.version} (${p.direction})${untested ? ' – level A, self-declared, not tested' : ''}`,
      status: 'completed',
      testScript: {
        identifier: { system: `${v.baseUrl}/api/v1/profiles`, value: `${p.profile}|${p.version}` },
        display: `${p.title} ${p.version}`,
      },
      result: untested ? 'pending' : 'pass',
      tester: untested ? d.manufacturer.name : d.issuer.name,
      issued: d.issuedAt,
      participant: [
        ...(d.validator ? [{ type: 'test-engine', uri: v.baseUrl, display: `samsvar ${d.validator.version}` }] : []),
        {
          type: p.direction === 'send' ? 'client' : 'server',
          uri: `${declarationUrl}#system`,
          display: `${d.product.name} ${d.product.version} (${d.manufacturer.name}, orgnr ${d.manufacturer.organisasjonsnummer})`,
        },
      ],
      ...(untested
        ? {
            setup: {
              action: (d.documentation ?? []).map((doc) => ({
                operation: {
                  result: 'skip',
                  message: `Level A: self-declared on the basis of ${doc.name} (${doc.mediaType}) sha256=${doc.sha256}`,
                },
              })),
            },
          }
        : {}),
      // FHIR allows no empty array: a level A report has no tests, so no `test` at all.
      ...testsOf(cases, deviations, contentOf(p)),
    };
    return { fullUrl: urnUuid(`${declarationUrl}/TestReport/${report.id}`), resource: report };
  });
  return {
    resourceType: 'Bundle',
    id: fhirId(d.id),
    // No meta.lastUpdated: the status tag changes after issuance at a time the declaration does not record.
    meta: { tag: [statusTag(v)] },
    identifier: { system: `${v.baseUrl}/api/v1/declarations`, value: d.id },
    type: 'collection',
    ...(v.status.supersededBy
      ? { link: [{ relation: 'successor-version', url: `${v.baseUrl}/api/v1/declarations/${v.status.supersededBy}.fhir.json` }] }
      : {}),
    timestamp: d.issuedAt,
    entry: entries,
  };
}

/** The content a profile's tests ran against: its own, and that of each profile whose rules they also applied. */
function contentOf(p: ProfileConformance): string {
  return [
    `profile content sha256=${p.profileSha256}`,
    ...(p.uses ?? []).map((u) => `${u.profile} ${u.version} sha256=${u.profileSha256}`),
  ].join(' with ');
}

function testsOf(
  cases: DeclarationView['declaration']['testCases'],
  deviations: DeclarationView['declaration']['deviations'],
  content: string,
) {
  const test = [
    ...cases.map((t) => ({
      name: t.id,
      description: t.evidence.map((e) => `${e.name} sha256=${e.sha256} findings-sha256=${e.findingsSha256}`).join('; '),
      action: [
        t.waived?.length
          ? {
              operation: {
                result: 'warning',
                message: `Passed against ${content} only with rule ${t.waived.join(', ')} waived (see the deviations)`,
              },
            }
          : { operation: { result: 'pass', message: `Passed against ${content}` } },
      ],
    })),
    ...deviations.map((x) => ({
      name: `avvik ${x.ruleId}`,
      description: x.justification,
      action: [{ operation: { result: 'warning', message: `Rule ${x.ruleId} waived until ${x.deadline}` } }],
    })),
  ];
  return test.length > 0 ? { test } : {};
}
