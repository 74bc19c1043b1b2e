import { sha256Hex } from '../../core/sha256.js';
import type { DeclarationView } from './declaration-view.js';

/** A stable urn:uuid for a resource id, so the same declaration renders to the same Bundle. */
function urnUuid(name: string): string {
  const h = sha256Hex(name);
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * A FHIR R4 Bundle (collection) of one TestReport per declared profile and direction, so
 * FHIR-native tools can read the result. Deviations appear as actions with result `warning`.
 * A level A declaration was never tested: its reports say `pending`, carry no tests and name the
 * documentation instead, so no tool can read them as a pass.
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
      id: `${d.id}-${i + 1}`,
      identifier: { system: `${v.baseUrl}/api/v1/declarations`, value: `${d.id}#${p.profile}/${p.direction}` },
      name: `${p.title} ${p.version} (${p.direction})${untested ? ' – nivå A, egenerklært, ikke testet' : ''}`,
      status: 'completed',
      testScript: { identifier: { system: `${v.baseUrl}/api/v1/profiles`, value: `${p.profile}|${p.version}` }, display: `${p.title} ${p.version}` },
      result: untested ? 'pending' : 'pass',
      tester: untested ? d.manufacturer.name : d.issuer.name,
      issued: d.issuedAt,
      participant: [
        ...(d.validator ? [{ type: 'test-engine', uri: v.baseUrl, display: `samsvar ${d.validator.version}` }] : []),
        { type: p.direction === 'send' ? 'client' : 'server', uri: `${declarationUrl}#system`, display: `${d.product.name} ${d.product.version} (${d.manufacturer.name}, orgnr ${d.manufacturer.organisasjonsnummer})` },
      ],
      ...(untested
        ? {
            setup: {
              action: (d.documentation ?? []).map((doc) => ({
                operation: { result: 'skip', message: `Nivå A: egenerklært på grunnlag av ${doc.name} (${doc.mediaType}) sha256=${doc.sha256}` },
              })),
            },
          }
        : {}),
      test: [
        ...cases.map((t) => ({
          name: t.id,
          description: t.evidence.map((e) => `${e.name} sha256=${e.sha256} findings-sha256=${e.findingsSha256}`).join('; '),
          action: [{ operation: { result: 'pass', message: `Passed against profile content sha256=${p.profileSha256}` } }],
        })),
        ...deviations.map((x) => ({
          name: `avvik ${x.ruleId}`,
          description: x.justification,
          action: [{ operation: { result: 'warning', message: `Rule ${x.ruleId} waived until ${x.deadline}` } }],
        })),
      ],
    };
    return { fullUrl: urnUuid(`${declarationUrl}/TestReport/${report.id}`), resource: report };
  });
  return {
    resourceType: 'Bundle',
    id: d.id,
    meta: { lastUpdated: d.issuedAt },
    identifier: { system: `${v.baseUrl}/api/v1/declarations`, value: d.id },
    type: 'collection',
    timestamp: d.issuedAt,
    entry: entries,
  };
}
