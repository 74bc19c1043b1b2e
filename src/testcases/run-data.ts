import type { CommunicationParty, RunTestData } from '../core/run-test-data.js';
import { SamsvarError } from '../core/samsvar-error.js';
import { checkHerId } from '../identifiers/norwegian-ids.js';
import { randomSource, syntheticFodselsnummer, syntheticHjelpenummer, syntheticName, type RandomSource } from './synthetic-data.js';
import { SAMSVAR_TEST_PARTY } from './test-party.js';

export type { RunTestData } from '../core/run-test-data.js';

/** samsvar's HER-ids: its test party and the unit under it. A system may not claim either as its own. */
export const SAMSVAR_HER_IDS: readonly string[] = [SAMSVAR_TEST_PARTY.herId, SAMSVAR_TEST_PARTY.unitHerId];

/** Checks a system's own test HER-id: a register number that is not samsvar's. Returns it trimmed. */
export function checkSystemHerId(herId: string, field = 'herId'): string {
  const v = herId.trim();
  const her = checkHerId(v);
  if (!her.ok) throw new SamsvarError('unprocessable', `HER-id '${herId}' ${her.problem}`, { field });
  if (SAMSVAR_HER_IDS.includes(v)) throw new SamsvarError('unprocessable', `HER-id ${v} is samsvar's own test party; give your system's test communication party from the address register`, { field });
  return v;
}

/**
 * Draws a run's test data: a fresh synthetic patient (fødselsnummer month + 80 and a hjelpenummer
 * month + 40 of the same person), samsvar's test party and the system's. Cryptographically random:
 * the database then refuses a patient another run has, and the caller draws again.
 */
export function drawRunTestData(runId: string, openedAt: string, systemParty: CommunicationParty | null, rnd: RandomSource = randomSource()): RunTestData {
  const person = syntheticFodselsnummer(rnd);
  const name = syntheticName(rnd);
  const hnr = syntheticHjelpenummer(rnd, person.dateOfBirth);
  return {
    runId,
    openedAt,
    patient: { fnr: person.fnr, hnr, givenName: name.givenName, familyName: name.familyName, dateOfBirth: person.dateOfBirth },
    samsvarParty: { name: SAMSVAR_TEST_PARTY.name, herId: SAMSVAR_TEST_PARTY.herId },
    systemParty,
  };
}

/**
 * Reads run test data as `GET /api/v1/runs/{id}` shows it (its `testData`), for the offline check:
 * every field is checked, so a typo is an error rather than a check silently left out.
 */
export function parseRunTestData(value: unknown): RunTestData {
  const o = (value && typeof value === 'object' && 'testData' in value ? (value as { testData: unknown }).testData : value) as Record<string, unknown> | null;
  const fail = (what: string): never => {
    throw new SamsvarError('bad_request', `run data: ${what} (give the testData of GET /api/v1/runs/{id}, or the whole answer)`);
  };
  if (!o || typeof o !== 'object') return fail('not a JSON object');
  const str = (obj: Record<string, unknown>, key: string, where: string): string => {
    const v = obj[key];
    if (typeof v !== 'string' || v.trim() === '') return fail(`${where}${key} must be a non-empty string`);
    return v.trim();
  };
  const patient = o.patient as Record<string, unknown> | undefined;
  if (!patient || typeof patient !== 'object') return fail('patient is missing');
  const party = (key: string): CommunicationParty | null => {
    const p = o[key] as Record<string, unknown> | null | undefined;
    if (p === null || p === undefined) return null;
    if (typeof p !== 'object') return fail(`${key} must be an object`);
    return { name: typeof p.name === 'string' ? p.name : '', herId: str(p, 'herId', `${key}.`) };
  };
  const openedAt = str(o, 'openedAt', '');
  if (Number.isNaN(Date.parse(openedAt))) fail(`openedAt '${openedAt}' is not a date-time`);
  return {
    runId: typeof o.runId === 'string' ? o.runId : '',
    openedAt,
    patient: {
      fnr: str(patient, 'fnr', 'patient.'),
      hnr: typeof patient.hnr === 'string' ? patient.hnr : '',
      givenName: typeof patient.givenName === 'string' ? patient.givenName : '',
      familyName: typeof patient.familyName === 'string' ? patient.familyName : '',
      dateOfBirth: typeof patient.dateOfBirth === 'string' ? patient.dateOfBirth : '',
    },
    samsvarParty: party('samsvarParty') ?? { name: SAMSVAR_TEST_PARTY.name, herId: SAMSVAR_TEST_PARTY.herId },
    systemParty: party('systemParty'),
  };
}
