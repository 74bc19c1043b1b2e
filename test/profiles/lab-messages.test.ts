import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { loadCatalog } from '../../src/profiles/catalog.js';
import type { XmlProfileManifest } from '../../src/profiles/manifest.js';

/**
 * Svarrapport (1.3, 1.4) and Rekvisisjon (1.5, 1.6): standalone KITH messages with their own header,
 * one profile per kind of answer or requisition, told apart by Message/Type and MsgDescr.
 */
const ROOT = path.resolve(import.meta.dirname, '../../profiles');
const catalog = loadCatalog({ shippedDir: ROOT, importedDir: path.join(ROOT, '.none') });
const engine = new Engine(catalog);

const read = (profile: string, kind: 'valid' | 'invalid', file: string) => readFileSync(path.join(ROOT, profile, 'examples', kind, file));
const text = (profile: string, kind: 'valid' | 'invalid', file: string) => read(profile, kind, file).toString('utf8');
const bytes = (s: string) => new TextEncoder().encode(s);

describe('detecting the kind of a lab answer or requisition without a named profile', () => {
  it.each([
    ['svarrapport-1.4-biokjemi', 'elektrolytter-med-referanseomrade.xml'],
    ['svarrapport-1.4-mikrobiologi', 'urindyrkning-med-resistens.xml'],
    ['svarrapport-1.4-mikrobiologi', 'kansellering-av-svar.xml'],
    ['svarrapport-1.4-immunologi', 'autoantistoffer-forelopig.xml'],
    ['svarrapport-1.4-patologi', 'histologi-hudbiopsi.xml'],
    ['svarrapport-1.4-patologi', 'cytologi-cervix-med-anbefaling.xml'],
    ['svarrapport-1.4-radiologi', 'ultralyd-abdomen.xml'],
    ['svarrapport-1.4', 'medisinsk-genetikk.xml'],
    ['svarrapport-1.3', 'biokjemi-v1.3.xml'],
    ['svarrapport-1.3', 'to-rapporter-i-en-melding.xml'],
    ['rekvisisjon-1.6-laboratorium', 'biokjemi-og-mikrobiologi.xml'],
    ['rekvisisjon-1.6-patologi', 'histologi-hudbiopsi.xml'],
    ['rekvisisjon-1.6-radiologi', 'mr-lever-med-kontraindikasjoner.xml'],
    ['rekvisisjon-1.6', 'annet-fagomrade.xml'],
    ['rekvisisjon-1.5', 'radiologi-med-timebestilling-v1.5.xml'],
  ])('detects %s for valid/%s', async (profile, file) => {
    const r = await engine.validate(read(profile, 'valid', file));
    expect(r.profile).toBe(profile);
    expect(r.valid).toBe(true);
  });

  it('says in the detection note that the type came from the message itself, not from a Hodemelding', async () => {
    const r = await engine.validate(read('svarrapport-1.4-radiologi', 'valid', 'ultralyd-abdomen.xml'));
    expect(r.detection).toContain('Message/Type SVAR_RTG');
  });

  it('leaves an immunology answer reported under MBIO to the microbiology profile, and the immunology profile accepts it when named', async () => {
    const doc = read('svarrapport-1.4-immunologi', 'valid', 'immunologi-under-mikrobiologi.xml');
    expect((await engine.validate(doc)).profile).toBe('svarrapport-1.4-mikrobiologi');
    expect((await engine.validate(doc, { profile: 'svarrapport-1.4-immunologi' })).valid).toBe(true);
  });

  it('refuses a named kind that does not fit, saying which fagområde the profile expects', async () => {
    const r = await engine.validate(read('svarrapport-1.4-biokjemi', 'valid', 'elektrolytter-med-referanseomrade.xml'), { profile: 'svarrapport-1.4-patologi' });
    const f = r.findings.find((x) => x.ruleId === 'PROFILE-MISMATCH')!;
    expect(f.message).toContain('MsgDescr V="HIST"');
    const rtg = await engine.validate(read('rekvisisjon-1.6-laboratorium', 'valid', 'biokjemi-og-mikrobiologi.xml'), { profile: 'rekvisisjon-1.6-radiologi' });
    expect(rtg.findings.find((x) => x.ruleId === 'PROFILE-MISMATCH')!.message).toContain('Message/Type is REQ_LAB, not REQ_RTG');
  });
});

describe('the versions differ where the standard changed', () => {
  it('lets a Svarrapport 1.3 carry several reports, and 1.4 only one', async () => {
    const two = text('svarrapport-1.3', 'valid', 'to-rapporter-i-en-melding.xml');
    expect((await engine.validate(bytes(two))).valid).toBe(true);
    const as14 = two
      .replaceAll('labsvar/2008-12-01', 'labsvar/2012-02-15')
      .replace('<Type V="S" DN="Svarrapport"/>', '<Type V="SVAR_LAB" DN="Svarrapport-Laboratoriemedisin"/>');
    const r = await engine.validate(bytes(as14), { profile: 'svarrapport-1.4' });
    expect(r.findings.find((f) => f.ruleId === 'XSD')!.message).toMatch(/ServReport.*not expected/);
  });

  it('knows the Booking of a Rekvisisjon 1.5, removed in 1.6', async () => {
    expect((await engine.validate(read('rekvisisjon-1.5', 'valid', 'radiologi-med-timebestilling-v1.5.xml'))).valid).toBe(true);
    const r = await engine.validate(read('rekvisisjon-1.6', 'invalid', 'XSD--booking-removed-in-1.6.xml'));
    expect(r.findings.filter((f) => f.severity === 'error').map((f) => f.ruleId)).toEqual(['XSD']);
  });

  it('checks a radiology answer sent with the laboratory message type', async () => {
    const r = await engine.validate(read('svarrapport-1.4-radiologi', 'invalid', 'SVAR-0026--laboratory-message-type.xml'));
    expect(r.profile).toBe('svarrapport-1.4');
    expect(r.findings.filter((f) => f.severity === 'error').map((f) => f.ruleId)).toEqual(['SVAR-0026']);
  });
});

describe('the files shared by the versions of a standard stay the same', () => {
  const common = (profile: string, file: string, namespace: string) => readFileSync(path.join(ROOT, profile, 'rules', file), 'utf8').replaceAll(namespace, 'NS');

  it('carries the same common Svarrapport rules in 1.3 and 1.4, bound to each namespace', () => {
    expect(common('svarrapport-1.3', 'svarrapport-common.sch', 'http://www.kith.no/xmlstds/labsvar/2008-12-01')).toBe(
      common('svarrapport-1.4', 'svarrapport-common.sch', 'http://www.kith.no/xmlstds/labsvar/2012-02-15'),
    );
  });

  it('carries the same common Rekvisisjon rules in 1.5 and 1.6, bound to each namespace', () => {
    expect(common('rekvisisjon-1.5', 'rekvisisjon-common.sch', 'http://www.kith.no/xmlstds/rekvisisjon/2008-12-01')).toBe(
      common('rekvisisjon-1.6', 'rekvisisjon-common.sch', 'http://www.kith.no/xmlstds/rekvisisjon/2012-02-15'),
    );
  });

  it('has the same codes wherever two of these profiles carry the same code list', () => {
    const byOid = new Map<string, string>();
    for (const id of ['svarrapport-1.3', 'svarrapport-1.4', 'rekvisisjon-1.5', 'rekvisisjon-1.6']) {
      const dir = path.join(ROOT, id, 'codelists');
      for (const file of readdirSync(dir)) {
        const list = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { oid: string; codes: unknown };
        const codes = JSON.stringify(list.codes);
        if (byOid.has(list.oid)) expect(codes, `${id}/${file}`).toBe(byOid.get(list.oid));
        else byOid.set(list.oid, codes);
      }
    }
    expect(byOid.size).toBeGreaterThanOrEqual(7);
  });

  it('names, for every kind profile, the code lists it does not ship and why', () => {
    for (const p of catalog.list().filter((x) => /^(svarrapport|rekvisisjon)-/.test(x.manifest.id))) {
      const m = p.manifest as XmlProfileManifest & { codelistsNotShipped?: { oid: string; reason: string }[]; standard?: { id: string } };
      expect(m.standard?.id, m.id).toMatch(/^(svarrapport|rekvisisjon)$/);
      expect(m.codelistsNotShipped?.some((c) => c.oid === '2.16.578.1.12.4.1.1.7280'), m.id).toBe(true);
      for (const c of m.codelistsNotShipped ?? []) expect(c.reason.length, `${m.id} ${c.oid}`).toBeGreaterThan(20);
    }
  });
});
