import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { loadCatalog } from '../../src/profiles/catalog.js';
import type { XmlProfileManifest } from '../../src/profiles/manifest.js';

/**
 * The claims a practitioner's or clinic's system sends to Helfo: Behandlerkravmelding (2006-12-20) and
 * NPR-behandlerkravmelding 0.78. Invalid examples fail for exactly the rules they name, valid ones are
 * recognised without a named profile, and the NPR schema's identity constraints hold.
 */
const ROOT = path.resolve(import.meta.dirname, '../../profiles');
const catalog = loadCatalog({ shippedDir: ROOT, importedDir: path.join(ROOT, '.none') });
const engine = new Engine(catalog);
const files = (profile: string, kind: string) => readdirSync(path.join(ROOT, profile, 'examples', kind)).filter((f) => f.endsWith('.xml')).sort();
const read = (profile: string, kind: string, file: string) => readFileSync(path.join(ROOT, profile, 'examples', kind, file), 'utf8');
const errorIds = (findings: { severity: string; ruleId: string }[]) => [...new Set(findings.filter((f) => f.severity === 'error').map((f) => f.ruleId))].sort();

describe.each(['behandlerkrav-2006', 'npr-behandlerkrav-0.78'])('profile %s', (profile) => {
  it.each(files(profile, 'invalid'))('rejects invalid/%s for exactly the named rules', async (file) => {
    const expected = (catalog.require(profile).manifest as XmlProfileManifest).examples?.invalid?.[file] ?? [file.slice(0, file.indexOf('--'))];
    const r = await engine.validate(Buffer.from(read(profile, 'invalid', file)), { profile });
    expect(errorIds(r.findings)).toEqual([...expected].sort());
  });

  it.each(files(profile, 'valid'))('recognises valid/%s without being told', async (file) => {
    const r = await engine.validate(Buffer.from(read(profile, 'valid', file)));
    expect(r.profile).toBe(profile);
    expect(errorIds(r.findings)).toEqual([]);
  });
});

describe('Behandlerkravmelding', () => {
  const claim = read('behandlerkrav-2006', 'valid', 'to-regninger.xml');

  it('is recognised by its document whatever message type the practitioner group uses', async () => {
    const r = await engine.validate(Buffer.from(claim.replace('V="LOM" DN="Legeoppgjørsmelding"', 'V="FOM" DN="Oppgjørsmelding"')));
    expect(r.profile).toBe('behandlerkrav-2006');
  });

  it('warns when the total differs from the bills, but not for a claim that credits a bill', async () => {
    const off = await engine.validate(Buffer.from(claim.replace('<SumKravSamlet V="404.00"', '<SumKravSamlet V="400.00"')), { profile: 'behandlerkrav-2006' });
    expect(off.findings.filter((f) => f.severity === 'warning').map((f) => f.ruleId)).toEqual(['BKM-0002']);
    const credit = await engine.validate(Buffer.from(read('behandlerkrav-2006', 'valid', 'kreditering.xml')), { profile: 'behandlerkrav-2006' });
    expect(credit.findings.filter((f) => f.ruleId === 'BKM-0002')).toEqual([]);
  });
});

describe('NPR-behandlerkravmelding 0.78', () => {
  const claim = read('npr-behandlerkrav-0.78', 'valid', 'poliklinisk-krav.xml');

  it('refuses two episodes with one id for a patient, as the schema’s key requires', async () => {
    const twice = claim.replace(/(<Episode [\s\S]*?<\/Episode>)/, '$1\n$1');
    const r = await engine.validate(Buffer.from(twice), { profile: 'npr-behandlerkrav-0.78' });
    expect(r.findings.find((f) => f.ruleId === 'XSD')!.message).toMatch(/[Dd]uplicate key|UnikEpisode/);
  });
});
