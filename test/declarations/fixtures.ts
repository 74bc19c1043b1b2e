import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunOutcome } from '../../src/declarations/build-declaration.js';
import { loadKeyRing } from '../../src/signing/key-store.js';

/** Brønnøysundregistrene's organisasjonsnummer: real, public and with a valid control digit. */
export const ORGNR = '974760673';

export const ISSUER = { name: 'Norsk helsenett – samsvar (test)', url: 'https://samsvar.test' };

export function tempDataEnv(): NodeJS.ProcessEnv {
  return { SAMSVAR_DATA: mkdtempSync(path.join(tmpdir(), 'samsvar-decl-')) };
}

export async function testKeyRing() {
  return loadKeyRing({ env: tempDataEnv() });
}

const sha = (c: string) => c.repeat(64);

/** A run of one vendor's system: dialogmelding passed both ways, apprec failed on one rule. */
export function passedRun(overrides: Partial<RunOutcome> = {}): RunOutcome {
  return {
    runId: 'run-1',
    manufacturer: { name: 'Omsorg & Journal AS', organisasjonsnummer: ORGNR },
    product: { name: 'OmsorgsJournal', version: '5.2.0', systemId: 'sys-1' },
    samsvarVersion: '0.1.0',
    profiles: [
      {
        profile: 'dialogmelding-1.1',
        version: '1.1.0',
        title: 'Dialogmelding 1.1',
        profileSha256: sha('a'),
        specification: 'HIS 80908:2013',
      },
      { profile: 'apprec-1.0', version: '1.0.0', title: 'Applikasjonskvittering 1.0', profileSha256: sha('b') },
    ],
    testCases: [
      {
        id: 'DM-SEND-01',
        profile: 'dialogmelding-1.1',
        direction: 'send',
        errorRuleIds: [],
        evidence: [{ name: 'foresporsel.xml', sha256: sha('1'), findingsSha256: sha('2') }],
      },
      {
        id: 'DM-RECV-01',
        profile: 'dialogmelding-1.1',
        direction: 'receive',
        errorRuleIds: [],
        evidence: [{ name: 'apprec.xml', sha256: sha('3'), findingsSha256: sha('4') }],
      },
      {
        id: 'AR-SEND-01',
        profile: 'apprec-1.0',
        direction: 'send',
        errorRuleIds: ['AR-0007'],
        evidence: [{ name: 'apprec.xml', sha256: sha('5'), findingsSha256: sha('6') }],
      },
    ],
    ...overrides,
  };
}

/** Place of issue and signatory, as a vendor states them when issuing (EHDS Annex IV). */
export const ISSUANCE = { placeOfIssue: 'Tromsø', signatory: { name: 'Kari Nordmann', function: 'daglig leder' } };
