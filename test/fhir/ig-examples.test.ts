/**
 * An implementation guide's own examples get the verdict the HL7 validator gives them. The facts
 * come from HL7 Norway's no-basis 2.2.3-test and the HL7 validator's QA report of that build; the
 * profiles and resources here are samsvar's own, written to carry the same facts.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FhirValidator } from '../../src/fhir/fhir-validator.js';
import { mod11ControlDigit } from '../../src/identifiers/norwegian-ids.js';
import { loadCatalog, loadProfileDir } from '../../src/profiles/catalog.js';
import { check, errors, findingOf, profileOn, rules } from './helpers.js';

const text = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' };
const NO_BASIS_PATIENT = 'http://hl7.no/fhir/ig/StructureDefinition/no-basis-Patient';

function imported(root: string, id: string, sd: Record<string, unknown>, extra: Record<string, unknown>[] = []) {
  const dir = path.join(root, id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'sd.json'), JSON.stringify(sd));
  extra.forEach((r, i) => writeFileSync(path.join(dir, `extra-${i}.json`), JSON.stringify(r)));
  const resources = ['sd.json', ...extra.map((_, i) => `extra-${i}.json`)];
  writeFileSync(
    path.join(dir, 'profile.json'),
    JSON.stringify({ id, version: String(sd.version ?? '1.0.0'), title: id, kind: 'fhir', url: sd.url, resources }),
  );
  return loadProfileDir(dir, 'imported');
}

/** The IG's own extension, at the URL its examples use. */
const KORT_VARSEL = {
  resourceType: 'StructureDefinition',
  id: 'kort-varsel',
  url: 'http://samsvar.test/StructureDefinition/kort-varsel',
  name: 'KortVarsel',
  status: 'active',
  kind: 'complex-type',
  abstract: false,
  context: [{ type: 'element', expression: 'AppointmentResponse' }],
  type: 'Extension',
  baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Extension',
  derivation: 'constraint',
  differential: {
    element: [
      { id: 'Extension', path: 'Extension' },
      { id: 'Extension.url', path: 'Extension.url', fixedUri: 'http://samsvar.test/StructureDefinition/kort-varsel' },
      { id: 'Extension.value[x]', path: 'Extension.value[x]', type: [{ code: 'boolean' }] },
    ],
  },
};

function realLooking(): string {
  for (let i = 0; i < 1000; i++) {
    const nine = `2103771${String(i).padStart(2, '0')}`;
    const d = [...nine].map(Number);
    const k1 = mod11ControlDigit(d, [3, 7, 6, 1, 8, 9, 4, 5, 2]);
    const k2 = k1 === null ? null : mod11ControlDigit([...d, k1], [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]);
    if (k1 !== null && k2 !== null) return `${nine}${k1}${k2}`;
  }
  throw new Error('none');
}

describe("an IG's own examples get the HL7 validator's verdict", () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'samsvar-ig-'));
  const catalog = loadCatalog({ importedDir: path.join(root, 'none') });
  // The published no-basis Patient: identifier slices by system, no check of the number's form.
  catalog.add(
    imported(root, 'hl7.fhir.no.basis.no-basis-patient', {
      ...profileOn('Patient', 'no-basis-Patient', [
        {
          id: 'Patient.identifier',
          path: 'Patient.identifier',
          slicing: { discriminator: [{ type: 'pattern', path: 'system' }], rules: 'open' },
        },
        { id: 'Patient.identifier:FNR', path: 'Patient.identifier', sliceName: 'FNR', min: 0, max: '1' },
        { id: 'Patient.identifier:FNR.system', path: 'Patient.identifier.system', patternUri: 'urn:oid:2.16.578.1.12.4.1.4.1' },
      ]),
      url: NO_BASIS_PATIENT,
      version: '2.2.3-test',
    }),
  );
  // A profile whose invariant names the wrong URL for its own extension (as shortnotice-inv-1 does).
  catalog.add(
    imported(
      root,
      'ig.svar-pa-time',
      {
        ...profileOn('AppointmentResponse', 'svar-pa-time', [
          {
            id: 'AppointmentResponse',
            path: 'AppointmentResponse',
            constraint: [
              {
                key: 'kort-varsel-1',
                severity: 'error',
                human: 'Kort varsel bare når aktøren er en pasient',
                expression:
                  "extension.where(url = 'http://example.org/StructureDefinition/kort-varsel').value.exists() and actor.type = 'Patient'",
              },
            ],
          },
        ]),
        version: '2.2.3-test',
      },
      [KORT_VARSEL],
    ),
  );
  catalog.add(
    imported(root, 'ig.tjeneste', {
      ...profileOn('HealthcareService', 'tjeneste', [{ id: 'HealthcareService.providedBy', path: 'HealthcareService.providedBy', min: 1 }]),
      version: '2.2.3-test',
    }),
  );
  const v = new FhirValidator(catalog);

  it('fails an example that breaks its own invariant, as the HL7 validator does (shortnotice-inv-1 names example.org, not the extension the example carries)', async () => {
    const ar = {
      resourceType: 'AppointmentResponse',
      text,
      meta: { profile: ['http://samsvar.test/StructureDefinition/svar-pa-time'] },
      extension: [{ url: 'http://samsvar.test/StructureDefinition/kort-varsel', valueBoolean: true }],
      appointment: { reference: 'Appointment/a1' },
      actor: { reference: 'Patient/p1', type: 'Patient' },
      participantStatus: 'accepted',
    };
    expect(errors(await check(v, ar, 'ig.svar-pa-time'))).toEqual(['FHIR-INVARIANT-kort-varsel-1']);
  });

  it('passes an organisasjonsnummer the profile does not constrain, with a warning about its control digit', async () => {
    const hs = {
      resourceType: 'HealthcareService',
      text,
      providedBy: { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: '983456781' }, display: 'Testklinikken' },
    };
    const r = await check(v, hs, 'ig.tjeneste');
    expect(errors(r)).toEqual([]);
    expect(findingOf(r, 'ID-ORGNR').severity).toBe('warning');
  });

  it("judges a placeholder fødselsnummer by the published profile, not samsvar's shipped one that shares its URL (Patient-EspenEksempel)", async () => {
    const espen = {
      resourceType: 'Patient',
      text,
      meta: { profile: [NO_BASIS_PATIENT] },
      identifier: [{ system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: '210377xxxxx' }],
    };
    const r = await check(v, espen);
    expect(r.profile).toBe('hl7.fhir.no.basis.no-basis-patient');
    expect(r.detection).toContain('chosen over shipped profile no-basis-patient');
    expect(errors(r)).toEqual([]);
    expect(findingOf(r, 'ID-FNR').severity).toBe('warning');
    // Named explicitly, samsvar's shipped profile still checks the control digits with its invariant.
    expect(errors(await check(v, espen, 'no-basis-patient'))).toContain('FHIR-INVARIANT-no-basis-fnr');
  });

  it("leaves a real-looking fødselsnummer to the privacy layer: it does not decide the example's verdict", async () => {
    const r = await check(v, {
      resourceType: 'Patient',
      text,
      meta: { profile: [NO_BASIS_PATIENT] },
      identifier: [{ system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: realLooking() }],
    });
    expect(errors(r)).toEqual([]);
    expect(rules(r)).toContain('ID-PERSON-REAL');
    expect(findingOf(r, 'ID-PERSON-REAL').layer).toBe('privacy');
  });
});
