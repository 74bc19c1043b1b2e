import { describe, expect, it } from 'vitest';
import { checkHerId, checkHprNumber, checkOrgNumber, checkPersonNumber, mod11ControlDigit } from '../../src/identifiers/norwegian-ids.js';

/** Builds a person number with valid control digits: date and first individual digits kept, the rest searched. */
function withControlDigits(nine: string): string {
  for (let i = 0; i < 100; i++) {
    const prefix = nine.slice(0, 7) + String(i).padStart(2, '0');
    const d = [...prefix].map(Number);
    const k1 = mod11ControlDigit(d, [3, 7, 6, 1, 8, 9, 4, 5, 2]);
    if (k1 === null) continue;
    const k2 = mod11ControlDigit([...d, k1], [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]);
    if (k2 === null) continue;
    return `${prefix}${k1}${k2}`;
  }
  throw new Error(`no valid number starts with ${nine.slice(0, 7)}`);
}

describe('fødselsnummer and D-nummer', () => {
  it('accepts a synthetic NAV number (month + 40) and says it is synthetic', () => {
    const n = withControlDigits('014201234'.slice(0, 9));
    expect(checkPersonNumber(n)).toMatchObject({ ok: true, kind: 'fnr', synthetic: true });
  });
  it('accepts a Skatteetaten synthetic number (month + 80)', () => {
    const n = withControlDigits('158885123');
    expect(checkPersonNumber(n)).toMatchObject({ ok: true, synthetic: true });
  });
  it('recognises a D-nummer (day + 40)', () => {
    const n = withControlDigits('410185123');
    expect(checkPersonNumber(n)).toMatchObject({ ok: true, kind: 'dnr', synthetic: false });
  });
  it('flags a number that looks real (month 1-12) as not synthetic', () => {
    const n = withControlDigits('010190123');
    expect(checkPersonNumber(n)).toMatchObject({ ok: true, synthetic: false });
  });
  it('rejects a wrong control digit', () => {
    const n = withControlDigits('014201234');
    const bad = n.slice(0, 10) + String((Number(n[10]) + 1) % 10);
    expect(checkPersonNumber(bad)).toMatchObject({ ok: false, problem: expect.stringContaining('second control digit') });
  });
  it('rejects wrong lengths and impossible dates', () => {
    expect(checkPersonNumber('123').ok).toBe(false);
    expect(checkPersonNumber('32010112345').problem).toContain('day');
    expect(checkPersonNumber('01130112345').problem).toContain('month');
  });
});

describe('organisasjonsnummer', () => {
  it('accepts numbers with a correct modulus-11 control digit', () => {
    expect(checkOrgNumber('974760673').ok).toBe(true); // Brønnøysundregistrene
    expect(checkOrgNumber('994598759').ok).toBe(true); // Norsk helsenett SF
  });
  it('rejects a wrong control digit or length', () => {
    expect(checkOrgNumber('974760674')).toMatchObject({ ok: false, problem: expect.stringContaining('control digit') });
    expect(checkOrgNumber('97476067').ok).toBe(false);
  });
});

describe('HER-id and HPR-nummer', () => {
  it('accept a positive number of up to nine digits, as the registers and standards write it, and refuse anything else', () => {
    expect(checkHerId('8142987').ok).toBe(true);
    expect(checkHerId('0123').ok).toBe(true); // zero-padded, the same number
    expect(checkHerId('0000').ok).toBe(false);
    expect(checkHerId('12a').ok).toBe(false);
    expect(checkHerId('2397.1').ok).toBe(false);
    expect(checkHprNumber('9144889').ok).toBe(true);
    expect(checkHprNumber('009144889').ok).toBe(true); // e-resept writes the HPR-nummer zero-padded to nine digits
    expect(checkHprNumber('1234567890').ok).toBe(false);
  });
});
