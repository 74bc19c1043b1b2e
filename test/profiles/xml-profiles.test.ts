import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { loadCatalog } from '../../src/profiles/catalog.js';
import type { XmlProfileManifest } from '../../src/profiles/manifest.js';

/**
 * The shipped XML message profiles, checked through the real engine: every valid example has no
 * error, every invalid example fails for exactly the rule(s) its name or the manifest names, and
 * documents are recognised without naming a profile.
 */
/** Svarrapport and Rekvisisjon: standalone laboratory, pathology and radiology messages. */
const LAB_PROFILES = [
  'svarrapport-1.3', 'svarrapport-1.4', 'svarrapport-1.4-biokjemi', 'svarrapport-1.4-mikrobiologi', 'svarrapport-1.4-immunologi',
  'svarrapport-1.4-patologi', 'svarrapport-1.4-radiologi', 'rekvisisjon-1.5', 'rekvisisjon-1.6', 'rekvisisjon-1.6-laboratorium',
  'rekvisisjon-1.6-patologi', 'rekvisisjon-1.6-radiologi',
];
const XML_PROFILES = [
  'msghead-1.2',
  'apprec-1.0',
  'apprec-1.1',
  'dialogmelding-1.0-foresporsel',
  'dialogmelding-1.0-svar',
  'dialogmelding-1.0-notat',
  'dialogmelding-1.0-avvik',
  'dialogmelding-1.1-foresporsel',
  'dialogmelding-1.1-svar',
  'dialogmelding-1.1-notat',
  'dialogmelding-1.1-helsefaglig',
  'epj-1.0-legemiddelopplysninger',
  ...LAB_PROFILES,
];
const ROOT = path.resolve(import.meta.dirname, '../../profiles');

const catalog = loadCatalog({ shippedDir: ROOT, importedDir: path.join(ROOT, '.none') });
const engine = new Engine(catalog);

function examples(profile: string, kind: 'valid' | 'invalid'): string[] {
  return readdirSync(path.join(ROOT, profile, 'examples', kind)).filter((f) => f.endsWith('.xml')).sort();
}

function read(profile: string, kind: string, file: string): Uint8Array {
  return readFileSync(path.join(ROOT, profile, 'examples', kind, file));
}

function expectedRules(profile: string, file: string): string[] {
  const listed = (catalog.require(profile).manifest as XmlProfileManifest).examples?.invalid?.[file];
  return listed ?? [file.slice(0, file.indexOf('--'))];
}

describe.each(XML_PROFILES)('shipped profile %s', (profile) => {
  it('has at least two valid and three invalid examples', () => {
    expect(examples(profile, 'valid').length).toBeGreaterThanOrEqual(2);
    expect(examples(profile, 'invalid').length).toBeGreaterThanOrEqual(3);
  });

  it.each(examples(profile, 'valid'))('accepts valid/%s without errors', async (file) => {
    const r = await engine.validate(read(profile, 'valid', file), { profile });
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(r.valid).toBe(true);
  });

  it.each(examples(profile, 'invalid'))('rejects invalid/%s for exactly the named rule', async (file) => {
    const r = await engine.validate(read(profile, 'invalid', file), { profile });
    const errors = [...new Set(r.findings.filter((f) => f.severity === 'error').map((f) => f.ruleId))].sort();
    expect(r.valid).toBe(false);
    expect(errors).toEqual(expectedRules(profile, file).sort());
  });
});

describe('recognising shipped message kinds without a named profile', () => {
  it.each([
    ['dialogmelding-1.1-foresporsel', 'foresporsel-helseopplysninger.xml'],
    ['dialogmelding-1.1-foresporsel', 'foresporsel-iso-8859-1.xml'],
    ['dialogmelding-1.1-svar', 'svar-med-tekst.xml'],
    ['dialogmelding-1.1-notat', 'notat-om-pasient.xml'],
    ['dialogmelding-1.1-helsefaglig', 'helsefaglig-henvendelse.xml'],
    ['dialogmelding-1.1-helsefaglig', 'helsefaglig-svar-med-vedlegg-iso-8859-1.xml'],
    ['apprec-1.0', 'ok.xml'],
    ['apprec-1.1', 'ok.xml'],
    ['apprec-1.1', 'avvist-pasient-finnes-ikke-iso-8859-1.xml'],
    ['dialogmelding-1.0-foresporsel', 'foresporsel-medisinske-opplysninger.xml'],
    ['dialogmelding-1.0-foresporsel', 'foresporsel-tjenestetilbud-iso-8859-1.xml'],
    ['dialogmelding-1.0-svar', 'svar-med-foresporsel.xml'],
    ['dialogmelding-1.0-notat', 'notat-om-pasient.xml'],
    ['dialogmelding-1.0-avvik', 'avvik-feil-adressat.xml'],
    ['epj-1.0-legemiddelopplysninger', 'svar-legemidler-cave-notat.xml'],
    ['epj-1.0-legemiddelopplysninger', 'legemiddelliste-uten-foresporsel-iso-8859-1.xml'],
  ])('detects %s for valid/%s', async (profile, file) => {
    const r = await engine.validate(read(profile, 'valid', file));
    expect(r.profile).toBe(profile);
    expect(r.valid).toBe(true);
  });
});

describe('rules that reach into the embedded Dialogmelding', () => {
  it('finds a schema error inside the Dialogmelding carried in MsgHead Content', async () => {
    const r = await engine.validate(read('dialogmelding-1.1-foresporsel', 'invalid', 'XSD--typeforesp-missing.xml'), { profile: 'dialogmelding-1.1-foresporsel' });
    const f = r.findings.find((x) => x.ruleId === 'XSD')!;
    expect(f.xpath).toContain('Dialogmelding');
    expect(f.message).toMatch(/TypeForesp/);
  });

  it('reports the Schematron clause and a message that says what is expected', async () => {
    const r = await engine.validate(read('apprec-1.0', 'invalid', 'AR-0001--avvist-without-error.xml'), { profile: 'apprec-1.0' });
    const f = r.findings.find((x) => x.ruleId === 'AR-0001')!;
    expect(f).toMatchObject({ severity: 'error', layer: 'rule' });
    expect(f.reference).toMatch(/Applikasjonskvittering 1.0/);
    expect(f.message).toMatch(/at least one Error/);
  });

  it('applies the envelope rules of msghead-1.2 to a document profile that uses it', async () => {
    const doc = new TextDecoder().decode(read('dialogmelding-1.1-notat', 'valid', 'notat-om-pasient.xml')).replace(/<MsgId>[^<]*<\/MsgId>/, '<MsgId> </MsgId>');
    const r = await engine.validate(new TextEncoder().encode(doc), { profile: 'dialogmelding-1.1-notat' });
    expect(r.findings.map((f) => f.ruleId)).toContain('MH-0001');
  });
});
