import { beforeAll, describe, expect, it } from 'vitest';
import { FhirValidator } from '../../src/fhir/fhir-validator.js';
import { mod11ControlDigit } from '../../src/identifiers/norwegian-ids.js';
import { ProfileCatalog, loadCatalog } from '../../src/profiles/catalog.js';
import { check, errors, findingOf } from './helpers.js';

const FNR = 'urn:oid:2.16.578.1.12.4.1.4.1';
const DNR = 'urn:oid:2.16.578.1.12.4.1.4.2';
const text = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' };

/** A person number with correct control digits for the nine leading digits given. */
function personNumber(nine: string): string {
  for (let i = 0; i < 100; i++) {
    const prefix = nine.slice(0, 7) + String(i).padStart(2, '0');
    const d = [...prefix].map(Number);
    const k1 = mod11ControlDigit(d, [3, 7, 6, 1, 8, 9, 4, 5, 2]);
    const k2 = k1 === null ? null : mod11ControlDigit([...d, k1], [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]);
    if (k1 !== null && k2 !== null) return `${prefix}${k1}${k2}`;
  }
  throw new Error('none');
}

const patient = (system: string, value: string, more = {}) => ({ resourceType: 'Patient', text, identifier: [{ system, value }], ...more });

let base: FhirValidator;
let shipped: FhirValidator;
beforeAll(() => {
  base = new FhirValidator(new ProfileCatalog());
  shipped = new FhirValidator(loadCatalog({ importedDir: '/nonexistent-samsvar-data' }));
});

describe('Norwegian identifiers (identifier layer)', () => {
  it('accepts synthetic test numbers', async () => {
    expect(errors(await check(base, patient(FNR, personNumber('130372100'.replace('03', '43')))))).toEqual([]);
    expect(errors(await check(base, patient(DNR, personNumber('534372200'))))).toEqual([]);
  });

  it('flags what looks like a real person’s fødselsnummer on the privacy layer, without deciding the verdict or repeating the number', async () => {
    const real = personNumber('130372100');
    const r = await check(base, patient(FNR, real));
    const f = findingOf(r, 'ID-PERSON-REAL');
    expect(f).toMatchObject({ severity: 'warning', layer: 'privacy', path: 'Patient.identifier[0].value', line: 10 });
    expect(f.message).toContain('synthetic');
    expect(f.message).not.toContain(real);
    expect(errors(r)).toEqual([]);
  });

  it('says exactly what is wrong with an invalid number, as a warning where the profile does not check the form itself', async () => {
    const good = personNumber('134372100');
    const bad = good.slice(0, 10) + String((Number(good[10]) + 1) % 10);
    expect(findingOf(await check(base, patient(FNR, bad)), 'ID-FNR').message).toContain('second control digit');
    expect(findingOf(await check(base, patient(FNR, personNumber('534372200'))), 'ID-FNR').message).toContain('is a D-nummer');
    const org = {
      resourceType: 'Organization',
      text,
      name: 'x',
      identifier: [{ system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: '983456781' }],
    };
    const r = await check(base, org);
    expect(findingOf(r, 'ID-ORGNR')).toMatchObject({ severity: 'warning', layer: 'identifier' });
    expect(errors(r)).toEqual([]);
  });

  it('reports one mistake once under a profile: the invariant, with the exact reason added', async () => {
    const r = await check(shipped, patient(FNR, '13437210034'), 'no-basis-patient');
    expect(errors(r)).toEqual(['FHIR-INVARIANT-no-basis-fnr']);
    expect(findingOf(r, 'FHIR-INVARIANT-no-basis-fnr').message).toContain('second control digit (position 11) does not match');
  });
});
