import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { loadCatalog } from '../../src/profiles/catalog.js';
import type { XmlProfileManifest } from '../../src/profiles/manifest.js';

/**
 * The e-resept profiles, one per message type (M1 … M98), sharing the schemas and rules of
 * eresept-m1: each invalid example fails for exactly the rules it names, each valid one is
 * recognised without a named profile, and the rules bound to one message type stay with it.
 */
const ROOT = path.resolve(import.meta.dirname, '../../profiles');
const catalog = loadCatalog({ shippedDir: ROOT, importedDir: path.join(ROOT, '.none') });
const engine = new Engine(catalog);
const ERESEPT = catalog.list().map((p) => p.manifest.id).filter((id) => id.startsWith('eresept-'));

const files = (profile: string, kind: string) => readdirSync(path.join(ROOT, profile, 'examples', kind)).filter((f) => f.endsWith('.xml')).sort();
const read = (profile: string, kind: string, file: string) => readFileSync(path.join(ROOT, profile, 'examples', kind, file));
const errorIds = (findings: { severity: string; ruleId: string }[]) => [...new Set(findings.filter((f) => f.severity === 'error').map((f) => f.ruleId))].sort();

describe('e-resept profiles', () => {
  it('cover every message type in use, each with its own MsgInfo/Type', () => {
    const types = ERESEPT.flatMap((id) => (catalog.require(id).manifest as XmlProfileManifest & { messageTypes: string[] }).messageTypes);
    expect(new Set(types).size).toBe(types.length);
    expect(types).toEqual(expect.arrayContaining(['ERM1', 'ERM5', 'ERM52', 'ERM6', 'ERM7', 'ERM95', 'ERM96', 'ERM97', 'ERM98', 'ERM911', 'ERM912', 'ERM251', 'ERM10', 'ERM18']));
  });

  describe.each(ERESEPT)('%s', (profile) => {
    it.each(files(profile, 'invalid'))('rejects invalid/%s for exactly the named rules', async (file) => {
      const expected = (catalog.require(profile).manifest as XmlProfileManifest).examples?.invalid?.[file] ?? [file.slice(0, file.indexOf('--'))];
      const r = await engine.validate(read(profile, 'invalid', file), { profile });
      expect(r.valid).toBe(false);
      expect(errorIds(r.findings)).toEqual([...expected].sort());
    });

    it.each(files(profile, 'valid'))('recognises valid/%s without being told, with no error or warning', async (file) => {
      const r = await engine.validate(read(profile, 'valid', file));
      expect(r.profile).toBe(profile);
      expect(r.findings.filter((f) => f.severity !== 'information')).toEqual([]);
    });
  });
});

describe('e-resept rules', () => {
  const m1 = read('eresept-m1', 'valid', 'm1.xml').toString('utf8');

  it('warn, but do not reject, an unsigned prescription', async () => {
    const r = await engine.validate(Buffer.from(m1.replace(/<Signature[\s\S]*<\/Signature>/, '')), { profile: 'eresept-m1' });
    expect(r.valid).toBe(true);
    expect(r.findings.filter((f) => f.severity === 'warning').map((f) => f.ruleId)).toEqual(['ER-0102']);
  });

  it('compare prescription dates in their own calendar day, whatever the time zone written', async () => {
    const withZone = m1.replace('<Forskrivningsdato>2026-03-02</Forskrivningsdato>', '<Forskrivningsdato>2026-03-02+01:00</Forskrivningsdato>');
    expect(errorIds((await engine.validate(Buffer.from(withZone), { profile: 'eresept-m1' })).findings)).toEqual([]);
  });

  it('say in bokmål which document an e-resept message carries instead of its own', async () => {
    const r = await engine.validate(read('eresept-m1', 'invalid', 'ER-0001--sent-as-tilbakekalling.xml'), { profile: 'eresept-m1' });
    expect(r.findings.find((f) => f.ruleId === 'ER-0001')?.messageNb).toBe(
      'MsgInfo/Type er ERM5, men første Document inneholder Resept i http://www.kith.no/xmlstds/eresept/m1/2013-10-08; ' +
        'en e-reseptmelding av typen ERM5 har sitt eget dokument (navnerom http://www.kith.no/xmlstds/eresept/m5/2013-04-16) først.',
    );
  });

  it('leave a withdrawal without NyReseptId alone, and require nothing of M1 from other message types', async () => {
    const r = await engine.validate(read('eresept-m5', 'valid', 'm5.xml'), { profile: 'eresept-m5' });
    expect(r.findings.filter((f) => f.ruleId.startsWith('ER-'))).toEqual([]);
  });
});
