import { SamsvarError, type ErrorCode } from '../core/samsvar-error.js';

/** Field names the domain reports (in `extra.field`), as a form labels them. */
const FIELD_NB: Record<string, string> = {
  orgNumber: 'Organisasjonsnummeret',
  name: 'Navnet',
  email: 'E-postadressen',
  placeOfIssue: 'Utstedelsesstedet',
  'signatory.name': 'Navnet på den som signerer',
  'signatory.function': 'Stillingen eller rollen',
  profiles: 'Valget av profiler',
  version: 'Versjonen',
  fhirBaseUrl: 'Adressen til FHIR-API-et',
};

/** Fields the domain refuses for one reason only, so the page can say exactly what is wrong. */
const FIELD_PROBLEM_NB: Record<string, string> = {
  deadline: 'Fristen har allerede vært. Velg i dag eller en senere dag.',
  runId: 'Laboratoriet har ingen testkjøring med denne id-en. Start laboratoriets testkjøring, og oppgi id-en den får.',
};

const CODE_NB: Partial<Record<ErrorCode, string>> = {
  unauthorized: 'API-nøkkelen er ukjent eller trukket tilbake.',
  forbidden: 'Du har ikke tilgang til dette.',
  not_found: 'Fant ikke det du ba om.',
  conflict: 'Dette finnes allerede, eller det ble endret samtidig av noen andre.',
  payload_too_large: 'Filen er større enn tjenesten tar imot. Gå tilbake og velg en mindre fil.',
  unsupported_media_type: 'Filen har feil format for dette testtilfellet.',
  rate_limited: 'Det har kommet mange forespørsler på kort tid. Vent litt og prøv igjen.',
  unavailable: 'Tjenesten er opptatt akkurat nå. Prøv igjen om litt.',
  insufficient_storage: 'Tjenesten har ikke plass til å lagre dette nå. Ingenting ble lagret; prøv igjen senere.',
};

/** What came back when samsvar fetched a server's challenge URL (the domain's `extra.challenge.answer`). */
const CHALLENGE_NB: Record<string, (c: { url: string; status?: number }) => string> = {
  status: (c) => `Serveren svarte HTTP ${c.status} på ${c.url}, ikke 200 med koden.`,
  body: (c) => `Serveren svarte på ${c.url}, men innholdet var ikke koden.`,
  redirect: (c) => `Serveren sendte ${c.url} videre, og den omdirigeringen følger ikke tjenesten (bare noen få, og bare på samme server).`,
  unreachable: (c) => `Tjenesten fikk ikke et fullstendig svar fra ${c.url} (ikke svar i tide, eller mer enn 1 KB).`,
};
const SERVE_TOKEN_NB = 'Legg ut koden som hele innholdet på denne adressen på serveren, og bekreft på nytt.';

/**
 * What a page says when an action is refused, in bokmål. The domain's detail is English (the API's
 * language), so a page never shows it; the field and the kind of refusal are enough to act on.
 */
export function problemNb(e: unknown): string {
  if (!(e instanceof SamsvarError)) return 'Noe gikk galt. Prøv igjen, og kontakt forvaltningen hvis det skjer igjen.';
  // The one refusal of a well-formed address: it is another vendor's.
  if (e.extra?.field === 'fhirBaseUrl' && e.code === 'conflict')
    return 'Serveren til FHIR-API-et er bekreftet som en annen leverandørs. Oppgi adressen til systemets eget FHIR-API.';
  const challenge = e.extra?.challenge as { url: string; answer: string; status?: number } | undefined;
  if (challenge?.answer === 'refused')
    return `Tjenesten har ikke lov til å hente ${challenge.url} (driften har ikke åpnet for serveren). Ta kontakt med forvaltningen.`;
  if (challenge)
    return `${CHALLENGE_NB[challenge.answer]?.(challenge) ?? `Serveren svarte ikke med koden på ${challenge.url}.`} ${SERVE_TOKEN_NB}`;
  const known = typeof e.extra?.field === 'string' ? FIELD_PROBLEM_NB[e.extra.field] : undefined;
  if (known) return known;
  const field = typeof e.extra?.field === 'string' ? FIELD_NB[e.extra.field] : undefined;
  if (field) return `${field} er ikke gyldig. Sjekk verdien og prøv igjen.`;
  if (typeof e.extra?.timeoutMs === 'number')
    return 'Valideringen tok lengre tid enn tjenesten tillater, og ble stoppet. Kommandolinjen (samsvar validate) validerer meldingen uten tidsgrense.';
  if (/is already revoked/.test(e.detail)) return 'Erklæringen er allerede trukket tilbake.';
  if (/no passed profile/.test(e.detail)) return 'Testkjøringen har ingen bestått profil ennå, så det er ingenting å erklære.';
  if (/only active profiles can be tested|has no test cases yet/.test(e.detail))
    return 'En av profilene kan ikke testes nå (den er ikke aktiv, eller har ingen testtilfeller).';
  if (e.code === 'unprocessable' || e.code === 'bad_request')
    return 'Forespørselen kunne ikke utføres. Sjekk det du fylte inn og prøv igjen.';
  return CODE_NB[e.code] ?? 'Handlingen kunne ikke utføres.';
}
