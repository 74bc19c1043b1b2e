import { SPOT_CHECK_BY, type DeclarationStatus, type Direction } from '../declaration.js';
import type { SpotCheckReason } from '../spot-checks.js';
import type { StatusAnswer } from '../status.js';
import type { DeclarationView } from './declaration-view.js';

/** Bokmål wording shared by the HTML and PDF renderings, so the two never say different things. */
export const STATUS_NB: Record<DeclarationStatus, string> = {
  active: 'Gyldig',
  revoked: 'Tilbakekalt',
  superseded: 'Erstattet av nyere erklæring',
  expired: 'Utløpt',
};

export const DIRECTION_NB: Record<Direction, string> = {
  send: 'sender (systemet lager meldingen)',
  receive: 'mottar (systemet leser meldingen og svarer med applikasjonskvittering)',
};

export const LEVEL_NB: Record<'A' | 'B' | 'C', string> = {
  A: 'A – egenerklæring med dokumentasjon',
  B: 'B – egenerklæring, testet i samsvar mot faste testbeskrivelser',
  C: 'C – bekreftet av akkreditert testlaboratorium',
};

/** Said wherever a level A declaration is shown, so nobody mistakes it for a tested one. */
export const LEVEL_A_NOTICE_NB =
  'Tillitsnivå A: leverandørens egen erklæring på grunnlag av vedlagt dokumentasjon. Samsvar har ikke testet systemet.';

/** An evidence entry's name in bokmål: the signed declaration names a submission in English ("submission <id>"). */
export function evidenceNameNb(name: string): string {
  return name.replace(/^submission /, 'Innsending ');
}

/** Who confirmed, as both renderings name it: an administrator's countersignature (made before re-tests were required) gives no C. */
export function confirmedByNb(by: { name: string; role: 'admin' | 'lab' }): string {
  return `${by.name} (${by.role === 'lab' ? 'testlaboratorium' : 'administrator, gir ikke nivå C'})`;
}

/** Per profile whose rules the tests also applied: "med reglene i msghead-1.2 1.2.1" and its content's SHA-256. */
export function usedProfilesNb(p: { uses?: readonly { profile: string; version: string; profileSha256: string }[] }): {
  text: string;
  sha256: string;
}[] {
  return (p.uses ?? []).map((u) => ({ text: `med reglene i ${u.profile} ${u.version}`, sha256: u.profileSha256 }));
}

/** How a listed test case passed: empty when outright, else the rules waived for it. */
export function waivedNb(t: { waived?: string[] }): string {
  return t.waived?.length ? `bestått med avvik: ${t.waived.join(', ')}` : '';
}

export function dateNb(iso: string): string {
  return new Intl.DateTimeFormat('nb-NO', { dateStyle: 'long', timeZone: 'Europe/Oslo' }).format(new Date(iso));
}

/**
 * Why a declaration is not active, in bokmål, from the structured cause (the API's English reason is
 * never shown on a page or in a rendering). It continues the status word (STATUS_NB), which every
 * page and rendering shows just before it, so the word is said once: «Tilbakekalt» + «2. mars 2026 av …».
 */
export function statusReasonNb(s: StatusAnswer): string {
  const c = s.cause;
  if (!c) return '';
  switch (c.kind) {
    case 'revoked':
      return `${dateNb(c.at)} av ${c.by}. Begrunnelse: ${revocationReasonNb(c)}`;
    case 'withdrawn':
      return `av produsenten ${dateNb(c.at)}. Begrunnelse: ${c.reason}`;
    case 'expired':
      return c.deviation
        ? `${dateNb(c.at)}: fristen for å rette avviket ${c.deviation.ruleId} (${c.deviation.profile}) gikk ut.`
        : `${dateNb(c.at)}.`;
    case 'retired':
      return `fordi profilversjonen ${c.profiles.join(', ')} er faset ut.`;
    case 'superseded':
      return `(${c.by}).`;
    case 'retest-missed':
      return `${dateNb(c.deadline)}: ikke testet på nytt mot ${c.profiles.join(', ')} innen fristen.`;
    case 'content-changed':
      return `fordi innholdet i profilversjonen ${c.profiles.join(', ')} er endret etter at systemet ble testet.`;
    case 'expired-logged':
      return 'for godt: erklæringen blir ikke gyldig igjen om en profil senere tas i bruk igjen eller endres.';
  }
}

/**
 * A revocation's reason as a reader sees it: a person's own words as written; a spot check's from
 * what it recorded as data. The API's reason for a spot check is English: a revocation from before
 * the data was kept says only that the spot check was not passed.
 */
function revocationReasonNb(c: { by: string; reason: string; spotCheck?: SpotCheckReason }): string {
  const r = c.spotCheck;
  if (!r) return c.by === SPOT_CHECK_BY ? 'stikkprøven ble ikke bestått.' : c.reason;
  if (r.kind !== 'failed')
    return `stikkprøve ${r.id} ble ${r.kind === 'late' ? 'besvart etter' : 'ikke besvart innen'} fristen ${dateNb(r.deadline)}.`;
  const which = r.testCases.length === 1 ? `testtilfellet ${r.testCases[0]}` : `testtilfellene ${r.testCases.join(', ')}`;
  return `stikkprøve ${r.id}: ${which} besto ikke i testkjøring ${r.runId}.`;
}

/** A declaration that must be re-tested against a newer profile version, in words (empty when none). */
export function retestNb(s: StatusAnswer): string {
  if (!s.retestRequired?.length) return '';
  return `Må testes på nytt: ${s.retestRequired.map((r) => `${r.profile} versjon ${r.newVersion} innen ${dateNb(r.deadline)}`).join(', ')}. Ellers utløper erklæringen.`;
}

/** The status word and its cause as one sentence: «Tilbakekalt 2. mars 2026 av …», «Gyldig.». */
export function statusLineNb(s: StatusAnswer): string {
  const reason = statusReasonNb(s);
  return reason ? `${STATUS_NB[s.status]} ${reason}` : `${STATUS_NB[s.status]}.`;
}

export function verifySteps(baseUrl: string, id: string): string[] {
  return [
    `Last ned den signerte erklæringen: ${baseUrl}/api/v1/declarations/${id}.jws`,
    `Sjekk den uten å stole på denne siden: samsvar verify ${id}.jws --jwks ${baseUrl}/.well-known/jwks.json`,
    `Eller send den til ${baseUrl}/api/v1/declarations/verify (Content-Type: application/jose) for signatur og gjeldende status.`,
    `Alle utstedelser og statusendringer står i den hash-kjedede loggen: ${baseUrl}/api/v1/log`,
  ];
}

/** The plain-text fields both renderings show, worded in bokmål; each template picks what it needs. */
export function declarationFieldsNb(v: DeclarationView): Record<string, string> {
  const d = v.declaration;
  return {
    id: d.id,
    statusCode: v.status.status,
    status: STATUS_NB[v.status.status],
    // The API's reason is English; the renderings are bokmål throughout.
    statusReason: [statusReasonNb(v.status), retestNb(v.status)].filter(Boolean).join(' '),
    statusLine: [statusLineNb(v.status), retestNb(v.status)].filter(Boolean).join(' '),
    vendor: d.manufacturer.name,
    // Whether the organisation was checked against Enhetsregisteret: both renderings say it next to the number.
    orgnr: `${d.manufacturer.organisasjonsnummer} (${v.manufacturerIdentity === 'verified' ? 'verifisert mot Enhetsregisteret' : 'ikke verifisert mot Enhetsregisteret'})`,
    system: d.product.name,
    version: d.product.version,
    level: LEVEL_NB[v.assuranceLevel],
    issuedAt: dateNb(d.issuedAt),
    expiresAt: dateNb(d.expiresAt),
    basis:
      d.validator && d.runId
        ? `samsvar ${d.validator.version}, testkjøring ${d.runId}`
        : 'Ikke testet i samsvar: egenerklært på grunnlag av vedlagt dokumentasjon',
    levelNotice: v.declaration.assuranceLevel === 'A' ? LEVEL_A_NOTICE_NB : '',
    // Declarations issued before EHDS fields were added lack them; say so rather than fail.
    placeOfIssue: d.placeOfIssue ?? 'ikke oppgitt',
    signatory: d.signatory ? `${d.signatory.name}, ${d.signatory.function}` : 'ikke oppgitt',
    issuer: `${d.issuer.name} (${d.issuer.url})`,
    statement: d.statement,
    verifyUrl: `${v.baseUrl}/api/v1/declarations/${d.id}`,
    kid: d.kid,
    jwsSha256: v.jwsSha256,
  };
}
