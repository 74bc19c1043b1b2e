import { createHash, randomBytes } from 'node:crypto';
import { mod11ControlDigit } from '../identifiers/norwegian-ids.js';

/** A source of random bytes: cryptographic by default, reproducible from a seed for tests and re-generation. */
export type RandomSource = (n: number) => Buffer;

export function randomSource(seed?: string): RandomSource {
  if (seed === undefined) return (n) => randomBytes(n);
  let counter = 0;
  let pool = Buffer.alloc(0);
  return (n) => {
    while (pool.length < n) {
      pool = Buffer.concat([pool, createHash('sha256').update(`${seed}\0${counter++}`).digest()]);
    }
    const out = pool.subarray(0, n);
    pool = pool.subarray(n);
    return Buffer.from(out);
  };
}

/** A uniformly drawn integer in [0, n) (n small, so the modulo bias of 32 bits is negligible). */
export function randomInt(rnd: RandomSource, n: number): number {
  return rnd(4).readUInt32BE(0) % n;
}

/** RFC 4122 version 4 UUID, the form MsgId takes in practice. */
export function uuidV4(rnd: RandomSource): string {
  const b = rnd(16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const K1 = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const K2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

export interface SyntheticPerson {
  fnr: string;
  /** YYYY-MM-DD */
  dateOfBirth: string;
}

/**
 * A synthetic fødselsnummer in Skatteetaten's test range (month + 80): a real date of birth, an
 * individual number that fits the century, and both modulus-11 control digits. Such a number can
 * never belong to a real person, which is what a generated test message must guarantee.
 */
export function syntheticFodselsnummer(rnd: RandomSource): SyntheticPerson {
  for (;;) {
    const year = 1935 + randomInt(rnd, 80); // 1935..2014
    const month = 1 + randomInt(rnd, 12);
    const day = 1 + randomInt(rnd, new Date(Date.UTC(year, month, 0)).getUTCDate());
    const fnr = personNumber(rnd, year, month + 80, day);
    if (fnr) return { fnr, dateOfBirth: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}` };
  }
}

/**
 * A hjelpenummer (H-nummer: month + 40, the form NAV's synthetic numbers also take) for a person
 * born on `dateOfBirth` (YYYY-MM-DD), with a fresh individual number and both control digits.
 */
export function syntheticHjelpenummer(rnd: RandomSource, dateOfBirth: string): string {
  const [year, month, day] = dateOfBirth.split('-').map(Number) as [number, number, number];
  for (;;) {
    const hnr = personNumber(rnd, year, month + 40, day);
    if (hnr) return hnr;
  }
}

/**
 * A synthetic D-nummer (day + 40, month + 80, as Skatteetaten's synthetic D-numbers) for a person born
 * on `dateOfBirth` (YYYY-MM-DD). Derived from the date alone, with the lowest individual number that
 * gives valid control digits, so it draws nothing from a seeded source and earlier messages stay as
 * they were.
 */
export function syntheticDnummer(dateOfBirth: string): string {
  const [year, month, day] = dateOfBirth.split('-').map(Number) as [number, number, number];
  const first = year < 2000 ? 0 : 500;
  for (let individual = first; individual < first + 500; individual++) {
    const dnr = withControlDigits(`${String(day + 40).padStart(2, '0')}${String(month + 80).padStart(2, '0')}${String(year % 100).padStart(2, '0')}${String(individual).padStart(3, '0')}`);
    if (dnr) return dnr;
  }
  throw new Error(`no D-nummer for ${dateOfBirth}`);
}

/** Nine digits of date and individual number, then both modulus-11 control digits; null when a control digit would be 10. */
function personNumber(rnd: RandomSource, year: number, codedMonth: number, day: number): string | null {
  // Individual numbers 000-499 are born 1900-1999, 500-999 born 2000-2039.
  const individual = year < 2000 ? randomInt(rnd, 500) : 500 + randomInt(rnd, 500);
  return withControlDigits(`${String(day).padStart(2, '0')}${String(codedMonth).padStart(2, '0')}${String(year % 100).padStart(2, '0')}${String(individual).padStart(3, '0')}`);
}

/** Nine digits followed by both modulus-11 control digits; null when a control digit would be 10. */
function withControlDigits(nine: string): string | null {
  const d = [...nine].map(Number);
  const k1 = mod11ControlDigit(d, K1);
  if (k1 === null) return null;
  const k2 = mod11ControlDigit([...d, k1], K2);
  if (k2 === null) return null;
  return `${nine}${k1}${k2}`;
}

const GIVEN_NAMES = ['Kari', 'Ola', 'Ingrid', 'Lars', 'Sigrid', 'Håkon', 'Åse', 'Bjørn', 'Solveig', 'Ørjan'];
const FAMILY_NAMES = ['Testesen', 'Prøvestad', 'Eksempelsen', 'Fiktivdal', 'Øvingsberg', 'Syntetisk'];

export function syntheticName(rnd: RandomSource): { givenName: string; familyName: string } {
  return { givenName: GIVEN_NAMES[randomInt(rnd, GIVEN_NAMES.length)], familyName: FAMILY_NAMES[randomInt(rnd, FAMILY_NAMES.length)] };
}

/** xs:dateTime in Norwegian local time with its offset (as Norwegian systems write GenDate). */
export function osloDateTime(at: Date): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Oslo',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  ) as Record<string, string>;
  const local = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  const offsetMin = Math.round((local - Math.floor(at.getTime() / 1000) * 1000) / 60000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset}`;
}
