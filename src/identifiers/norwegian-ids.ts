/**
 * Checks for Norwegian identifiers: fødselsnummer, D-nummer, organisasjonsnummer, HER-id and
 * HPR-nummer. Pure functions shared by the XML engine, the FHIR invariants and the service.
 */

export type PersonNumberKind = 'fnr' | 'dnr';

export interface PersonNumberCheck {
  ok: boolean;
  /** Why the number is not valid, in words a developer understands. */
  problem?: string;
  kind?: PersonNumberKind;
  /** True for NAV's (+40 on the month) and Skatteetaten's (+80) synthetic test numbers. */
  synthetic?: boolean;
}

const K1_WEIGHTS = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const K2_WEIGHTS = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
const ORG_WEIGHTS = [3, 2, 7, 6, 5, 4, 3, 2];

/** Modulus-11 control digit, or null where the remainder gives 10 (no valid number exists). */
export function mod11ControlDigit(digits: readonly number[], weights: readonly number[]): number | null {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += digits[i] * weights[i];
  const rest = 11 - (sum % 11);
  if (rest === 11) return 0;
  if (rest === 10) return null;
  return rest;
}

function toDigits(value: string): number[] {
  return [...value].map((c) => c.charCodeAt(0) - 48);
}

/** Checks a fødselsnummer or D-nummer: 11 digits, a plausible date and two modulus-11 control digits. */
export function checkPersonNumber(value: string): PersonNumberCheck {
  if (!/^\d{11}$/.test(value)) return { ok: false, problem: 'must be exactly 11 digits' };
  const d = toDigits(value);
  let day = d[0] * 10 + d[1];
  let month = d[2] * 10 + d[3];
  let kind: PersonNumberKind = 'fnr';
  if (day > 40) {
    kind = 'dnr';
    day -= 40;
  }
  let synthetic = false;
  if (month > 80) {
    synthetic = true;
    month -= 80;
  } else if (month > 40) {
    synthetic = true;
    month -= 40;
  }
  if (day < 1 || day > 31)
    return {
      ok: false,
      kind,
      problem: `day ${value.slice(0, 2)} is not a valid day of month${kind === 'dnr' ? ' (+40 for a D-nummer)' : ''}`,
    };
  if (month < 1 || month > 12)
    return { ok: false, kind, problem: `month ${value.slice(2, 4)} is not a valid month (1-12, +40 or +80 for synthetic test numbers)` };
  const k1 = mod11ControlDigit(d, K1_WEIGHTS);
  if (k1 === null || k1 !== d[9])
    return { ok: false, kind, synthetic, problem: 'first control digit (position 10) does not match modulus 11' };
  const k2 = mod11ControlDigit(d, K2_WEIGHTS);
  if (k2 === null || k2 !== d[10])
    return { ok: false, kind, synthetic, problem: 'second control digit (position 11) does not match modulus 11' };
  return { ok: true, kind, synthetic };
}

/** Organisasjonsnummer: 9 digits, the last a modulus-11 control digit (weights 3 2 7 6 5 4 3 2). */
export function checkOrgNumber(value: string): { ok: boolean; problem?: string } {
  if (!/^\d{9}$/.test(value)) return { ok: false, problem: 'must be exactly 9 digits' };
  const d = toDigits(value);
  const k = mod11ControlDigit(d, ORG_WEIGHTS);
  if (k === null || k !== d[8]) return { ok: false, problem: 'control digit (position 9) does not match modulus 11' };
  return { ok: true };
}

/**
 * A register number of at most 9 digits, written as the registers and standards write it: with or
 * without leading zeros (e-resept writes the HPR-nummer zero-padded to nine digits, e.g.
 * 009144889), but never zero.
 */
function registerNumber(value: string): { ok: boolean; problem?: string } {
  if (!/^\d{1,9}$/.test(value)) return { ok: false, problem: 'must be a number of 1 to 9 digits (leading zeros allowed)' };
  if (/^0+$/.test(value)) return { ok: false, problem: 'must be a positive number, not zero' };
  return { ok: true };
}

/** HER-id: a positive number from the address register (Adresseregisteret, NHN). */
export function checkHerId(value: string): { ok: boolean; problem?: string } {
  return registerNumber(value);
}

/** HPR-nummer: a positive number from Helsepersonellregisteret (up to nine digits, zero-padded in e-resept). */
export function checkHprNumber(value: string): { ok: boolean; problem?: string } {
  return registerNumber(value);
}
