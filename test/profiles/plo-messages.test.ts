import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { loadCatalog } from '../../src/profiles/catalog.js';

/**
 * Pleie- og omsorgsmeldinger (PLO) 1.5: eight documents carried in a Hodemelding, one profile for the
 * version. The embedded document's namespace picks the profile; the rules tie MsgInfo/Type to the
 * document, so each of the twelve message types is checked against the content it must carry.
 */
const ROOT = path.resolve(import.meta.dirname, '../../profiles');
const catalog = loadCatalog({ shippedDir: ROOT, importedDir: path.join(ROOT, '.none') });
const engine = new Engine(catalog);
const text = (file: string) => readFileSync(path.join(ROOT, 'plo-1.5', 'examples', 'valid', file), 'utf8');
const bytes = (s: string) => new TextEncoder().encode(s);
const errors = async (xml: string) => {
  const r = await engine.validate(bytes(xml));
  return { profile: r.profile, ids: [...new Set(r.findings.filter((f) => f.severity === 'error').map((f) => f.ruleId))].sort() };
};

describe('detecting a PLO 1.5 message in a Hodemelding', () => {
  it.each([
    ['helseopplysninger-til-lege.xml', 'HELSEOPPLYSNINGER_LEGE'],
    ['helseopplysninger-ved-soknad.xml', 'HELSEOPPL_SOKNAD'],
    ['innleggelsesrapport.xml', 'INNLEGGELSESRAPPORT'],
    ['utskrivningsrapport.xml', 'UTSKRIVNINGSRAPPORT'],
    ['medisinske-opplysninger.xml', 'MEDISINSKE_OPPLYSNINGER'],
    ['orientering-om-tjenestetilbud.xml', 'ORIENTERING_TJENESTETILBUD'],
    ['melding-om-fravar.xml', 'FRAVARSMELDING'],
    ['dodsfall.xml', 'LOG_DOD'],
    ['innlagt.xml', 'LOG_INNLAGT'],
    ['utskrivningsklar.xml', 'LOG_UTSKRIVNINGSKLAR'],
    ['avmelding-utskrivningsklar.xml', 'LOG_AVMELDING'],
    ['utskrevet.xml', 'LOG_UTSKREVET'],
  ])('detects plo-1.5 for %s (%s) and finds no error', async (file, type) => {
    const xml = text(file);
    expect(xml).toContain(`<Type V="${type}"`);
    const r = await engine.validate(bytes(xml));
    expect(r.profile).toBe('plo-1.5');
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(r.detection).toMatch(/embedded document namespace http:\/\/www\.kith\.no\/xmlstds\/po\//);
  });

  it('has a valid example of every message type the manifest lists', () => {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'plo-1.5', 'profile.json'), 'utf8')) as { messageTypes: string[] };
    const dir = path.join(ROOT, 'plo-1.5', 'examples', 'valid');
    const seen = new Set(readdirSync(dir).map((f) => /<Type V="([A-Z_]+)"/.exec(readFileSync(path.join(dir, f), 'utf8'))?.[1]));
    for (const type of manifest.messageTypes) expect(seen, type).toContain(type);
  });

  it('leaves a Hodemelding with another document to its own profile', async () => {
    const other = text('dodsfall.xml').replace(/<Content>[\s\S]*<\/Content>/, '<Content><Dialogmelding xmlns="http://www.kith.no/xmlstds/dialog/2013-01-23"/></Content>');
    expect((await engine.validate(bytes(other))).profile).not.toBe('plo-1.5');
  });
});

describe('the PLO 1.5 schema set', () => {
  it('refuses a document without its shipment status (InformasjonOmForsendelsen comes first)', async () => {
    const r = await errors(text('innleggelsesrapport.xml').replace(/<InformasjonOmForsendelsen>[\s\S]*?<\/InformasjonOmForsendelsen>/, ''));
    expect(r.ids).toContain('XSD');
  });

  it('refuses a Pasientlogistikk with two events in place of one choice', async () => {
    const xml = text('dodsfall.xml');
    const dod = /<p1:OrienteringOmDod>[\s\S]*<\/p1:OrienteringOmDod>/.exec(xml)![0];
    expect((await errors(xml.replace(dod, dod + dod.replaceAll('OrienteringOmDod', 'MeldingInnlagtPasient')))).ids).toContain('XSD');
  });

  it('types the components: a boolean is true or false, a date a date', async () => {
    expect((await errors(text('utskrivningsklar.xml').replace('<Anslag>false</Anslag>', '<Anslag>nei</Anslag>'))).ids).toContain('XSD');
    expect((await errors(text('melding-om-fravar.xml').replace(/<FravarendeFraDato>[^<]*/, '<FravarendeFraDato>14.05.2024'))).ids).toContain('XSD');
  });

  it('checks EPJ components in the document against the EPJ 1.0 schemas', async () => {
    const note = '<InfoAndreViktigeOpplysninger><epj2:GenereltJournalnotat xmlns:epj2="http://www.kith.no/xmlstds/epj/epj2/2008-02-20"/></InfoAndreViktigeOpplysninger>';
    const xml = text('medisinske-opplysninger.xml').replace('</p4:OverforingMedisinskeOpplysninger>', `${note}</p4:OverforingMedisinskeOpplysninger>`);
    expect((await errors(xml)).ids).toContain('XSD');
  });
});

describe('PLO 1.5 business rules', () => {
  it('ties every message type to its document (PLO-0001)', async () => {
    for (const [file, wrong] of [['helseopplysninger-til-lege.xml', 'MEDISINSKE_OPPLYSNINGER'], ['utskrivningsrapport.xml', 'INNLEGGELSESRAPPORT'], ['utskrevet.xml', 'LOG_DOD']]) {
      const r = await errors(text(file).replace(/<Type V="[A-Z_]+"/, `<Type V="${wrong}"`));
      expect(r.profile, file).toBe('plo-1.5');
      expect(r.ids, file).toEqual(['PLO-0001']);
    }
  });

  it('wants N, M or C as shipment status and accepts all three (PLO-0003)', async () => {
    for (const v of ['N', 'M', 'C']) expect((await errors(text('orientering-om-tjenestetilbud.xml').replace('Forsendelsesstatus V="N"', `Forsendelsesstatus V="${v}"`))).ids).toEqual([]);
    expect((await errors(text('orientering-om-tjenestetilbud.xml').replace('Forsendelsesstatus V="N"', 'Forsendelsesstatus V="D"'))).ids).toEqual(['PLO-0003']);
  });

  it('warns when a logistics notice does not code the event that gives it its meaning, each notice under its own id (PLO-0006, PLO-0011…PLO-0013)', async () => {
    for (const [file, code, ruleId] of [
      ['dodsfall.xml', '13', 'PLO-0006'],
      ['utskrevet.xml', '2', 'PLO-0011'],
      ['utskrivningsklar.xml', '3', 'PLO-0012'],
      ['avmelding-utskrivningsklar.xml', '4', 'PLO-0013'],
    ]) {
      const xml = text(file);
      expect(xml, file).toContain(`<Hendelsekode V="${code}"`);
      const r = await engine.validate(bytes(xml.replaceAll(`<Hendelsekode V="${code}"`, '<Hendelsekode V="99"')));
      expect(r.valid, file).toBe(true);
      const warned = r.findings.filter((f) => /^PLO-00(06|11|12|13)$/.test(f.ruleId));
      expect(warned.map((f) => [f.ruleId, f.severity]), file).toEqual([[ruleId, 'warning']]);
    }
  });

  it('checks the order of dates in periods, one id per kind of period (PLO-0009, PLO-0014, PLO-0015), and a forwarded absence notice names the receiver (PLO-0010)', async () => {
    const back = text('melding-om-fravar.xml').replace(/<FravarendeTilDato>[^<]*/, '<FravarendeTilDato>2024-05-01');
    expect((await errors(back)).ids).toEqual(['PLO-0014']);
    const service = text('innleggelsesrapport.xml').replace('<Startdato>2024-01-15</Startdato>', '<Startdato>2024-01-15</Startdato><Sluttdato>2024-01-01</Sluttdato>');
    expect((await errors(service)).ids).toEqual(['PLO-0009']);
    const period = (end: string) =>
      '<InfoIPLOSrelevantInformasjon><TidsperiodeDiagnose><StartdatoDiagnose>2024-03-01</StartdatoDiagnose>' +
      `<SluttdatoDiagnose>${end}</SluttdatoDiagnose><MedisinskDiagnose><Hoveddiagnose>false</Hoveddiagnose><Diagnosekode V="T90" S="2.16.578.1.12.4.1.1.7170"/></MedisinskDiagnose>` +
      '</TidsperiodeDiagnose></InfoIPLOSrelevantInformasjon></p4:OverforingMedisinskeOpplysninger>';
    const withPeriod = (end: string) => text('medisinske-opplysninger.xml').replace('</p4:OverforingMedisinskeOpplysninger>', period(end));
    expect((await errors(withPeriod('2024-03-31'))).ids).toEqual([]);
    expect((await errors(withPeriod('2024-02-01'))).ids).toEqual(['PLO-0015']);
    const forwarded = await engine.validate(bytes(text('melding-om-fravar.xml').replace('<MeldingVideresendt>false', '<MeldingVideresendt>true')));
    expect(forwarded.findings.filter((f) => f.ruleId === 'PLO-0010').map((f) => f.severity)).toEqual(['warning']);
  });

  it('names the clause each rule enforces', async () => {
    const r = await engine.validate(bytes(text('dodsfall.xml').replace('<Type V="LOG_DOD"', '<Type V="LOG_INNLAGT"')));
    const f = r.findings.find((x) => x.ruleId === 'PLO-0001')!;
    expect(f.reference).toMatch(/^PLO 1\.5/);
    expect(f.xpath).toContain('Pasientlogistikk');
    expect(f.line).toBeGreaterThan(0);
  });
});
