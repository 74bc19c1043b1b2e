import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { loadCatalog } from '../../src/profiles/catalog.js';

/**
 * Pleie- og omsorgsmeldinger (PLO) 1.6 and 2.0: documents in a Hodemelding, one profile per version.
 * The embedded document's namespace selects the profile; the 1.6 rules tie each MsgInfo/Type to its
 * document (and each use of Pasientlogistikk to its own type).
 */
const ROOT = path.resolve(import.meta.dirname, '../../profiles');
const catalog = loadCatalog({ shippedDir: ROOT, importedDir: path.join(ROOT, '.none') });
const engine = new Engine(catalog);

const text = (profile: string, kind: 'valid' | 'invalid', file: string) => readFileSync(path.join(ROOT, profile, 'examples', kind, file), 'utf8');
const bytes = (s: string) => new TextEncoder().encode(s);
const ruleIds = (findings: { ruleId: string; severity: string }[], severity: string) => findings.filter((f) => f.severity === severity).map((f) => f.ruleId);

describe('PLO 1.6 in a Hodemelding', () => {
  const valid = readdirSync(path.join(ROOT, 'plo-1.6', 'examples', 'valid')).filter((f) => f.endsWith('.xml'));

  it('has a valid example of each of the seven documents and each use of Pasientlogistikk', () => {
    const types = valid.map((f) => /<Type V="([A-Z_]+)"/.exec(text('plo-1.6', 'valid', f))![1]);
    expect(new Set(types)).toEqual(new Set(catalog.get('plo-1.6')!.manifest.messageTypes));
  });

  it.each(valid)('detects plo-1.6 from the document namespace of valid/%s', async (file) => {
    const r = await engine.validate(bytes(text('plo-1.6', 'valid', file)));
    expect(r.profile).toBe('plo-1.6');
    expect(r.detection).toContain('embedded document namespace http://www.kith.no/xmlstds/po/');
    expect(r.valid).toBe(true);
  });

  it('still detects a PLO document sent with the wrong MsgInfo/Type, and says which type the document needs', async () => {
    const doc = text('plo-1.6', 'valid', 'innleggelsesrapport.xml').replace('<Type V="INNLEGGELSESRAPPORT" DN="Innleggelsesrapport"/>', '<Type V="HELSEOPPL_SOKNAD" DN="Helseopplysninger"/>');
    const r = await engine.validate(bytes(doc));
    expect(r.profile).toBe('plo-1.6');
    const f = r.findings.find((x) => x.ruleId === 'PLO16-0001')!;
    expect(f.message).toBe('MsgInfo/Type is "HELSEOPPL_SOKNAD" but the message carries Innleggelsesrapport, which is sent as "INNLEGGELSESRAPPORT" (code list 8279).');
    expect(f.xpath).toBe('/MsgHead/MsgInfo');
  });

  it('names the use of Pasientlogistikk when its type is wrong', async () => {
    const doc = text('plo-1.6', 'valid', 'pasientlogistikk-utskrivningsklar.xml').replace('"LOG_UTSKRIVNINGSKLAR"', '"LOG_AVMELDING"');
    const f = (await engine.validate(bytes(doc))).findings.find((x) => x.ruleId === 'PLO16-0001')!;
    expect(f.message).toContain('Pasientlogistikk/MeldingUtskrivningsklarPasient, which is sent as "LOG_UTSKRIVNINGSKLAR"');
  });

  it.each([
    ['pasientlogistikk-utskrivningsklar.xml', '<Hendelsekode V="3"', 'PLO16-0011'],
    ['pasientlogistikk-avmelding.xml', '<Hendelsekode V="4"', 'PLO16-0012'],
    ['pasientlogistikk-utskrevet.xml', '<Hendelsekode V="2"', 'PLO16-0013'],
    ['pasientlogistikk-dod.xml', '<Hendelsekode V="13"', 'PLO16-0014'],
  ])('warns when %s lacks the event its use is about (%s)', async (file, code, rule) => {
    const good = await engine.validate(bytes(text('plo-1.6', 'valid', file)), { profile: 'plo-1.6' });
    expect(ruleIds(good.findings, 'warning')).not.toContain(rule);
    const r = await engine.validate(bytes(text('plo-1.6', 'valid', file).replace(code, '<Hendelsekode V="99"')), { profile: 'plo-1.6' });
    expect(ruleIds(r.findings, 'warning')).toContain(rule);
    expect(r.valid).toBe(true);
  });

  it('warns about a shipment status other than Ny, Endring and Kansellering without failing the message', async () => {
    const r = await engine.validate(bytes(text('plo-1.6', 'valid', 'orientering-om-tjenestetilbud.xml').replace('<Forsendelsesstatus V="N" DN="Ny"/>', '<Forsendelsesstatus V="X" DN="Ukjent"/>')));
    expect(ruleIds(r.findings, 'warning')).toContain('PLO16-0004');
    expect(r.valid).toBe(true);
  });

  it('checks the embedded document strictly against its own schema', async () => {
    const doc = text('plo-1.6', 'valid', 'medisinske-opplysninger.xml').replace('<Hoveddiagnose>true</Hoveddiagnose>', '<Hoveddiagnose>ja</Hoveddiagnose>');
    const r = await engine.validate(bytes(doc));
    const xsd = r.findings.find((x) => x.ruleId === 'XSD')!;
    expect(xsd.message).toContain('Hoveddiagnose');
    expect(xsd.line).toBeGreaterThan(40);
  });

  it('leaves the detection of other Hodemelding profiles as it was', async () => {
    const dialog = readFileSync(path.join(ROOT, 'dialogmelding-1.0-notat', 'examples', 'valid', 'notat-om-pasient.xml'));
    expect((await engine.validate(dialog)).profile).toBe('dialogmelding-1.0-notat');
  });
});

describe('PLO 2.0 in a Hodemelding', () => {
  const valid = readdirSync(path.join(ROOT, 'plo-2.0', 'examples', 'valid')).filter((f) => f.endsWith('.xml'));

  it.each(valid)('detects plo-2.0 from the document namespace of valid/%s', async (file) => {
    const r = await engine.validate(bytes(text('plo-2.0', 'valid', file)));
    expect(r.profile).toBe('plo-2.0');
    expect(r.detection).toContain('embedded document namespace http://ehelse.no/xmlstds/po/');
    expect(r.valid).toBe(true);
    expect(ruleIds(r.findings, 'warning')).toEqual([]);
  });

  it('does not apply the PLO 1.6 rules to a 2.0 message, nor the 2.0 rules to a 1.6 message', async () => {
    const v20 = await engine.validate(bytes(text('plo-2.0', 'valid', 'pasientlogistikk-dod.xml').replace('"LOG_DOD"', '"LOG_INNLAGT"')));
    expect(ruleIds(v20.findings, 'warning')).toEqual(['PLO20-0001']);
    expect(v20.findings.some((f) => f.ruleId.startsWith('PLO16-'))).toBe(false);
    const v16 = await engine.validate(bytes(text('plo-1.6', 'valid', 'pasientlogistikk-dod.xml')));
    expect(v16.findings.some((f) => f.ruleId.startsWith('PLO20-'))).toBe(false);
  });

  it('reports a Pasientlogistikk use sent with another LOG_ type as a warning naming the expected type', async () => {
    const r = await engine.validate(bytes(text('plo-2.0', 'valid', 'pasientlogistikk-utskrevet.xml').replace('"LOG_UTSKREVET"', '"LOG_DOD"')));
    const f = r.findings.find((x) => x.ruleId === 'PLO20-0001')!;
    expect(f.severity).toBe('warning');
    expect(f.message).toBe('MsgInfo/Type is "LOG_DOD" but the message carries Pasientlogistikk/MeldingOmUtskrevetPasient, which PLO sends as "LOG_UTSKREVET".');
    expect(r.valid).toBe(true);
  });

  it('reads the time of an event as the text of TidspunktForHendelse, which 2.0 made an xs:dateTime', async () => {
    const doc = text('plo-2.0', 'valid', 'pasientlogistikk-innlagt.xml').replace(/<TidspunktForHendelse>([^<]+)<\/TidspunktForHendelse>/, '<TidspunktForHendelse V="$1"/>');
    const r = await engine.validate(bytes(doc));
    expect(r.findings.filter((x) => x.ruleId === 'XSD').map((x) => x.message).join('\n')).toContain("attribute 'V': The attribute 'V' is not allowed");
  });
});
