import { osloTimeNb } from '../core/oslo-day.js';
import type { RunTestData } from '../core/run-test-data.js';
import type { TestcaseKind } from './testcase.js';

/**
 * What every test case of a run requires of the evidence, in bokmål, shown with each test case's
 * own description (one paragraph for all test cases, so new standards' test cases get it too).
 * Without run data (the catalogue, offline) it says the same in general terms.
 */
export function runRequirementsNb(kind: TestcaseKind, data: RunTestData | null, format: 'xml' | 'fhir' = 'xml'): string | null {
  if (kind === 'live') return null;
  const patient = data ? `kjøringens testpasient (fødselsnummer ${data.patient.fnr}, hjelpenummer ${data.patient.hnr}, ${data.patient.givenName} ${data.patient.familyName})` : 'kjøringens testpasient';
  if (format === 'fhir') {
    // A FHIR resource has no MsgId, GenDate or communication parties: of the run's data only its test patient applies.
    return `Ressursen må komme fra systemet i denne kjøringen: en Patient med fødselsnummer eller hjelpenummer skal være ${patient}. Filer som følger med samsvar, og filer levert i en annen kjøring eller for et annet testtilfelle, godtas ikke som bevis.`;
  }
  const system = data?.systemParty ? `systemets testkommunikasjonspart (HER-id ${data.systemParty.herId})` : 'systemets testkommunikasjonspart (HER-id-en registrert på systemversjonen)';
  const samsvar = data ? `samsvars testkommunikasjonspart (${data.samsvarParty.name}, HER-id ${data.samsvarParty.herId})` : 'samsvars testkommunikasjonspart';
  const opened = data ? ` (${osloTimeNb(data.openedAt)})` : '';
  if (kind === 'receive') {
    return `Kvitteringen må være laget av systemet i denne kjøringen: den skal komme fra ${system} og gå til ${samsvar}, ha en ny Id og GenDate etter at kjøringen ble startet${opened}. Filer som følger med samsvar, og filer levert i en annen kjøring, godtas ikke som bevis.`;
  }
  return `Meldingen må være laget av systemet i denne kjøringen: den skal gjelde ${patient} der meldingen har en pasient, sendes fra ${system} til ${samsvar}, ha en MsgId som aldri er brukt før og GenDate etter at kjøringen ble startet${opened}. Filer som følger med samsvar, og filer levert i en annen kjøring eller for et annet testtilfelle, godtas ikke som bevis.`;
}
