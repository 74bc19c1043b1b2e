import type { Finding, Severity } from '../core/finding.js';

export const SEVERITY_NB: Record<Severity, string> = { error: 'Feil', warning: 'Advarsel', information: 'Informasjon' };

/**
 * What each engine rule means, in bokmål. The engine's own messages are English (the API's
 * language); a page says the same in bokmål, and the rule id, location and reference let a
 * developer find the English detail in the API or CLI output.
 */
const RULE_NB: Record<string, string> = {
  'SYNTAX-MALFORMED': 'Innholdet er ikke velformet: det kan ikke leses som XML eller JSON.',
  'SYNTAX-DOCTYPE':
    'Meldingen har en DOCTYPE-deklarasjon. Den er ikke tillatt, fordi den kan brukes til å hente filer eller sprenge mottakeren med entiteter.',
  'SYNTAX-ENCODING': 'Meldingen har byte som ikke er gyldige i tegnsettet den oppgir (UTF-8 eller ISO-8859-1).',
  'SYNTAX-SIZE': 'Meldingen er større enn størrelsesgrensen.',
  'SYNTAX-DEPTH': 'Meldingen er nøstet dypere enn grensen.',
  'SYNTAX-FORMAT': 'Innholdet er verken XML eller JSON.',
  'SYNTAX-JSON': 'Ressursen er ikke gyldig JSON.',
  'SYNTAX-JSON-DUPLICATE-KEY': 'Samme egenskap står to ganger i samme JSON-objekt.',
  'PROFILE-UNKNOWN': 'Fant ingen meldingsprofil som passer meldingen (navnerom, meldingstype eller ressurstype).',
  'PROFILE-MISMATCH': 'Meldingen passer ikke til profilen som ble valgt.',
  'FINDINGS-LIMIT': 'Meldingen har så mange funn at resten er utelatt; de alvorligste står først.',
  'CODELIST-UNKNOWN-OID': 'Kodeverket i S er ikke med i profilen, så koden er ikke kontrollert.',
  'ID-FNR': 'Fødselsnummeret er ugyldig (kontrollsifrene stemmer ikke, eller datoen finnes ikke).',
  'ID-DNR': 'D-nummeret er ugyldig.',
  'ID-ORGNR': 'Organisasjonsnummeret er ugyldig (ni sifre med kontrollsiffer).',
  'ID-HER': 'HER-id-en er ugyldig (et tall fra Adresseregisteret).',
  'ID-HPR': 'HPR-nummeret er ugyldig (et tall fra Helsepersonellregisteret).',
  'ID-PERSON-REAL':
    'Fødselsnummeret har gyldige kontrollsifre, men er ikke et syntetisk testnummer (måned + 40 eller + 80). Det kan tilhøre en virkelig person: bruk bare syntetiske testdata.',
  'FHIR-STRUCTURE-UNKNOWN': 'Elementet finnes ikke i ressurstypen.',
  'FHIR-STRUCTURE-TYPE': 'Elementet har feil datatype.',
  'FHIR-STRUCTURE-ARRAY': 'Elementet skal (eller skal ikke) være en liste.',
  'FHIR-STRUCTURE-EMPTY': 'Elementet er tomt; FHIR tillater ikke tomme elementer.',
  'FHIR-STRUCTURE-PRIMITIVE': 'Verdien har feil form for datatypen.',
  'FHIR-STRUCTURE-RESOURCETYPE': 'resourceType mangler eller er ukjent.',
  'FHIR-CARDINALITY-MIN': 'Et påkrevd element mangler, eller det er for få av det.',
  'FHIR-CARDINALITY-MAX': 'Elementet forekommer flere ganger enn profilen tillater.',
  'FHIR-FIXED': 'Verdien skal være nøyaktig den profilen fastsetter.',
  'FHIR-PATTERN': 'Verdien passer ikke mønsteret profilen fastsetter.',
  'FHIR-BINDING-REQUIRED': 'Koden er ikke i verdisettet profilen krever.',
  'FHIR-BINDING-EXTENSIBLE': 'Koden er ikke i verdisettet profilen anbefaler sterkt.',
  'FHIR-BINDING-PREFERRED': 'Koden er ikke i verdisettet profilen foretrekker.',
  'FHIR-CODE-UNKNOWN': 'Koden finnes ikke i kodesystemet.',
  'FHIR-SLICE-NOMATCH': 'Elementet passer ikke noen av delene (slices) profilen definerer.',
  'FHIR-SLICE-ORDER': 'Delene (slices) står i feil rekkefølge.',
  'FHIR-XML-NAMESPACE': 'Elementet er ikke i FHIRs navnerom (http://hl7.org/fhir).',
  'FHIR-XML-ORDER': 'Elementet står i feil rekkefølge; FHIRs XML-format krever rekkefølgen definisjonen gir.',
  'FHIR-XML-ATTRIBUTE': 'Attributtet er ikke definert i FHIRs XML-format på dette stedet.',
  'FHIR-XML-TEXT': 'Elementet inneholder tekst; i FHIRs XML-format står verdier i value-attributter.',
  'FHIR-REF-TYPE': 'Referansen peker på en ressurstype profilen ikke tillater.',
  'FHIR-REF-PROFILE-DEPTH':
    'En lang kjede av referanser ble bare fulgt et stykke; målene lenger ut ble ikke kontrollert mot profilene referansene krever.',
  'FHIR-REF-PROFILE-UNKNOWN': 'Referansen kunne ikke kontrolleres: profilen elementet krever for den, er ikke lastet.',
  'FHIR-REF-PROFILE':
    'Ressursen referansen peker på (i samme Bundle eller innebygd), oppfyller ingen av profilene elementet krever for den.',
  'FHIR-REF-CONTAINED': 'Referansen til en innebygd ressurs (#id) finner ingen slik ressurs.',
  'FHIR-EXT-UNKNOWN': 'Utvidelsen er ukjent for samsvar.',
  'FHIR-EXT-CONTEXT': 'Utvidelsen er ikke tillatt på dette elementet.',
  'FHIR-PROFILE-UNKNOWN': 'Profilen ressursen oppgir, er ukjent.',
  'FHIR-PROFILE-TYPE': 'Profilen gjelder en annen ressurstype.',
  'FHIR-PROFILE-INVALID': 'Profilen kunne ikke lastes.',
  'FHIR-CANONICAL-URL': 'Den kanoniske URL-en (url) må være absolutt.',
  'FHIR-SD-FIXED': 'Profilen fastsetter en annen verdi for elementet enn basisprofilen den bygger på.',
  'FHIR-SD-SLICING': 'En diskriminator i profilens oppdeling (slicing) peker på et element som ikke finnes i det som deles opp.',
  'FHIR-SD-PATH': 'Et element i profilens differensial har id og sti (path) som peker på ulike elementer.',
  'FHIR-CS-COUNT': 'Antallet (count) stemmer ikke med begrepene i kodesystemet.',
  'FHIR-CS-CONTENT': 'Innholdstypen (content) passer ikke med begrepene eller supplementet.',
  'FHIR-CS-PROPERTY': 'En egenskap (property) i kodesystemet er definert to ganger, har feil type eller mangler definisjon.',
  'FHIR-CS-VALUESET': 'Verdisettet kodesystemet oppgir, omfatter ikke alle kodene i det.',
  'FHIR-VS-SYSTEM': 'Kodesystemet i verdisettets include/exclude må være en absolutt URI.',
  'FHIR-VS-FILTER': 'Filteret i verdisettet gjelder en sann/usann-egenskap og må ha verdien true eller false.',
  'FHIR-VS-CODE': 'Koden i verdisettet finnes ikke i kodesystemet.',
  'FHIR-SP-COMPOSITE': 'En sammensatt søkeparameter må ha minst to komponenter.',
  'FHIR-SP-EXPRESSION': 'Søkeuttrykket er ugyldig eller starter fra en ressurstype søkeparameteren ikke gjelder.',
  'FHIR-SP-DERIVED': 'Søkeparameteren har annen type eller ressurstype enn den den er avledet fra.',
  'FHIR-INVARIANT-UNEVALUATED': 'En regel (invariant) i profilen kunne ikke evalueres.',
  'TERMINOLOGY-NOT-CHECKED':
    'Koden er ikke kontrollert: samsvar har ikke kodesystemet eller verdisettet den hører til, og ingen terminologitjener er satt opp. At koden ikke er kontrollert, betyr ikke at den er gyldig.',
  'RCV-ORIGINAL-MSGID': 'Applikasjonskvitteringen viser ikke til MsgId-en i meldingen samsvar genererte for kjøringen.',
  'RCV-ORIGINAL-MSGTYPE': 'Applikasjonskvitteringen oppgir en annen meldingstype enn meldingen den svarer på.',
  'RCV-STATUS': 'Applikasjonskvitteringen har en annen status enn testtilfellet forventer.',
  'RCV-ERROR-CODE': 'Applikasjonskvitteringen mangler en feilkode testtilfellet forventer.',
  'RCV-APPREC-SENDER':
    'Applikasjonskvitteringen må komme fra mottakeren av den genererte meldingen, altså systemets egen testkommunikasjonspart (HER-id-en registrert på systemversjonen).',
  'RCV-APPREC-RECEIVER':
    'Applikasjonskvitteringen må sendes til avsenderen av den genererte meldingen, altså samsvars testkommunikasjonspart.',
  'RUN-PATIENT':
    'Pasienten i meldingen er ikke kjøringens testpasient. Registrer testpasienten fra kjøringen i systemet og send meldingen om den.',
  'RUN-SENDER': 'Meldingen kommer ikke fra systemets egen testkommunikasjonspart (HER-id-en registrert på systemversjonen).',
  'RUN-RECEIVER': 'Meldingen er ikke adressert til samsvars testkommunikasjonspart.',
  'RUN-GENDATE': 'GenDate ligger utenfor kjøringen: meldingen må være laget av systemet etter at kjøringen ble startet.',
  'LIVE-CAP-SOFTWARE':
    'FHIR-API-et oppgir ikke at det er systemet og versjonen som testes (CapabilityStatement.software). Testen teller likevel, men kontroller at det er systemets eget API som ble testet.',
  'LIVE-CAP-IMPLEMENTATION':
    'FHIR-API-et oppgir en annen basisadresse (CapabilityStatement.implementation.url) enn den som ble testet. Testen teller likevel, men kontroller at det er systemets eget API.',
  'EVIDENCE-SHIPPED': 'Filen er lik en fil som følger med samsvar (eksempel eller mal), og kan ikke brukes som bevis.',
  'EVIDENCE-REPLAYED':
    'Den samme filen er allerede levert i en annen kjøring eller for et annet testtilfelle, og kan ikke brukes som bevis på nytt.',
  'EVIDENCE-MSGID-SEEN':
    'MsgId-en er brukt før i tjenesten (i en annen kjøring, et annet testtilfelle eller en melding samsvar har generert). Systemet må lage en ny melding med ny MsgId.',
};

const PREFIX_NB: Array<[string, string]> = [
  ['FHIR-INVARIANT-', 'Ressursen bryter en regel (invariant) i profilen.'],
  ['FHIR-EXT-', 'Innholdet i utvidelsen er feil.'],
  ['FHIR-', 'Ressursen bryter FHIR-profilen.'],
  ['LIVE-', 'FHIR-tjenesten svarte ikke slik testen krever.'],
  ['ID-', 'Identifikatoren er ugyldig.'],
];

const local = (qname: string) => qname.replace(/^\{[^}]*\}/, '');
const names = (list: string) =>
  list
    .split(',')
    .map((s) => local(s.trim()))
    .filter(Boolean)
    .join(', ');

/** libxml2's schema messages (English) in bokmål, for the forms that cover almost every XSD finding. */
const XSD_NB: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  [
    /Element '([^']+)': This element is not expected\. Expected is(?: one of)? \( ([^)]*) \)/,
    (m) => `Elementet ${local(m[1]!)} er ikke forventet her. Forventet: ${names(m[2]!)}.`,
  ],
  [/Element '([^']+)': This element is not expected\./, (m) => `Elementet ${local(m[1]!)} er ikke forventet her.`],
  [
    /Element '([^']+)': Missing child element\(s\)\. Expected is(?: one of)? \( ([^)]*) \)/,
    (m) => `Elementet ${local(m[1]!)} mangler et påkrevd underelement: ${names(m[2]!)}.`,
  ],
  [
    /Element '([^']+)', attribute '([^']+)': The attribute '[^']+' is not allowed/,
    (m) => `Attributtet ${m[2]} er ikke tillatt på ${local(m[1]!)}.`,
  ],
  [
    /Element '([^']+)': The attribute '([^']+)' is required but missing/,
    (m) => `Elementet ${local(m[1]!)} mangler det påkrevde attributtet ${m[2]}.`,
  ],
  [/\[facet 'pattern'\] The value '([^']*)' is not accepted by the pattern/, (m) => `Verdien «${m[1]}» har feil form.`],
  [
    /\[facet 'enumeration'\] The value '([^']*)' is not an element of the set/,
    (m) => `Verdien «${m[1]}» er ikke blant de tillatte verdiene.`,
  ],
  [
    /\[facet 'maxLength'\] The value (?:'[^']*' )?has a length of '(\d+)'; this exceeds the allowed maximum length of '(\d+)'/,
    (m) => `Verdien er ${m[1]} tegn lang; høyst ${m[2]} er tillatt.`,
  ],
  [
    /\[facet 'minLength'\] The value (?:'[^']*' )?has a length of '(\d+)'; this underruns the allowed minimum length of '(\d+)'/,
    (m) => `Verdien er ${m[1]} tegn lang; minst ${m[2]} kreves.`,
  ],
  [
    /'([^']*)' is not a valid value of the (?:atomic|local atomic|union|list) type '([^']+)'/,
    (m) => `Verdien «${m[1]}» er ikke gyldig for typen ${local(m[2]!)}.`,
  ],
  [
    /Element '([^']+)': Character content other than whitespace is not allowed/,
    (m) => `Elementet ${local(m[1]!)} kan ikke inneholde tekst, bare underelementer.`,
  ],
  [
    /Element '([^']+)': No matching global declaration available for the validation root/,
    (m) => `Rotelementet ${local(m[1]!)} er ikke kjent i skjemaet.`,
  ],
  [
    /Element '([^']+)': Element content is not allowed, because the (?:content type is a simple type|type definition is simple)/,
    (m) => `Elementet ${local(m[1]!)} kan bare inneholde en verdi, ikke underelementer.`,
  ],
  [
    /Element '([^']+)': Character content is not allowed, because the content type is empty/,
    (m) => `Elementet ${local(m[1]!)} skal være tomt.`,
  ],
  [
    /Element '([^']+)': Not all fields of key identity-constraint '([^']+)' evaluate to a node/,
    (m) => `Elementet ${local(m[1]!)} mangler en verdi som nøkkelen ${local(m[2]!)} krever.`,
  ],
  [
    /Element '([^']+)': No match found for key-sequence \[([^\]]*)\] of keyref '([^']+)'/,
    (m) => `Elementet ${local(m[1]!)} viser til ${m[2]!.replace(/'/g, '')}, som ikke finnes i meldingen (referansen ${local(m[3]!)}).`,
  ],
  [
    /Element '([^']+)': Duplicate key-sequence \[([^\]]*)\] in (?:unique|key) identity-constraint '([^']+)'/,
    (m) => `Elementet ${local(m[1]!)} har verdien ${m[2]!.replace(/'/g, '')}, som allerede er brukt; den skal være unik (${local(m[3]!)}).`,
  ],
];

function xsdNb(message: string): string {
  for (const [pattern, say] of XSD_NB) {
    const m = pattern.exec(message);
    if (m) return say(m);
  }
  return 'Meldingen bryter XML-skjemaet på dette stedet.';
}

/** A finding's message in bokmål for a page. */
export function findingTextNb(f: Finding): string {
  if (f.messageNb) return f.messageNb;
  // samsvar's own test-case rules (AppRec checks, evidence bound to the run) have a text here.
  if (f.layer === 'testcase' && RULE_NB[f.ruleId]) return RULE_NB[f.ruleId]!;
  // Test-case assertions are written in bokmål.
  if (f.layer === 'testcase') return f.message;
  if (f.ruleId === 'XSD') return xsdNb(f.message);
  const code = /V="([^"]*)" is not a code in ([0-9.]+) \(([^)]*)\)/.exec(f.message);
  if (f.ruleId === 'CODELIST-VALUE')
    return code ? `Koden «${code[1]}» finnes ikke i kodeverket ${code[2]} (${code[3]}).` : 'Koden finnes ikke i kodeverket som S angir.';
  if (f.ruleId === 'CODELIST-DN') {
    const dn = /DN="([^"]*)" differs from the code list's text for (\S+) in ([0-9.]+): "([^"]*)"/.exec(f.message);
    return dn
      ? `Visningsnavnet «${dn[1]}» er ikke kodeverkets tekst for kode ${dn[2]} i ${dn[3]}: «${dn[4]}».`
      : 'Visningsnavnet (DN) er ikke kodeverkets tekst for koden.';
  }
  const known = RULE_NB[f.ruleId] ?? PREFIX_NB.find(([prefix]) => f.ruleId.startsWith(prefix))?.[1];
  if (known) return known;
  if (f.layer === 'rule') return `Meldingen bryter forretningsregelen ${f.ruleId}.`;
  return `Funn ${f.ruleId}.`;
}
