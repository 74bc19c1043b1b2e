import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { loadCatalog } from '../../src/profiles/catalog.js';
import type { XmlProfileManifest } from '../../src/profiles/manifest.js';

/**
 * The sykmelding profile (HelseOpplysningerArbeidsuforhet 2013-10-01, in a Hodemelding or alone):
 * each invalid example fails for exactly the rules it names, both forms are recognised without a
 * named profile, and NAV's date rules hold across weekends, month ends and leap days.
 */
const ROOT = path.resolve(import.meta.dirname, '../../profiles');
const catalog = loadCatalog({ shippedDir: ROOT, importedDir: path.join(ROOT, '.none') });
const engine = new Engine(catalog);
const MH = 'sykmelding-2013';

const files = (profile: string, kind: string) => readdirSync(path.join(ROOT, profile, 'examples', kind)).filter((f) => f.endsWith('.xml')).sort();
const read = (profile: string, kind: string, file: string) => readFileSync(path.join(ROOT, profile, 'examples', kind, file), 'utf8');
const errorsOf = async (xml: string, profile?: string) => {
  const r = await engine.validate(Buffer.from(xml, 'utf8'), profile ? { profile } : {});
  return { r, errors: [...new Set(r.findings.filter((f) => f.severity === 'error').map((f) => f.ruleId))].sort() };
};

describe.each([MH])('profile %s', (profile) => {
  it.each(files(profile, 'invalid'))('rejects invalid/%s for exactly the named rules', async (file) => {
    const expected = (catalog.require(profile).manifest as XmlProfileManifest).examples?.invalid?.[file] ?? [file.slice(0, file.indexOf('--'))];
    const { r, errors } = await errorsOf(read(profile, 'invalid', file), profile);
    expect(r.valid).toBe(false);
    expect(errors).toEqual([...expected].sort());
  });

  it.each(files(profile, 'valid'))('detects itself for valid/%s', async (file) => {
    const { r, errors } = await errorsOf(read(profile, 'valid', file));
    expect(r.profile).toBe(profile);
    expect(errors).toEqual([]);
  });
});

/** The valid 100 % sykmelding in a Hodemelding with its periods and dates replaced. */
const base = read(MH, 'valid', 'sykmelding-100-prosent.xml');
const IKKE_MULIG = '<AktivitetIkkeMulig><MedisinskeArsaker><Arsakskode V="1" DN="x"/></MedisinskeArsaker></AktivitetIkkeMulig>';
const GRADERT = '<GradertSykmelding><Sykmeldingsgrad>50</Sykmeldingsgrad></GradertSykmelding>';
/** The consultation is on the day the message is written. */
function withPeriods(periods: [string, string, string?][], genDate = '2026-03-02T10:20:00+01:00'): string {
  const aktivitet = `<Aktivitet>${periods.map(([f, t, kind]) => `<Periode><PeriodeFOMDato>${f}</PeriodeFOMDato><PeriodeTOMDato>${t}</PeriodeTOMDato>${kind ?? IKKE_MULIG}</Periode>`).join('')}</Aktivitet>`;
  return base
    .replace(/<Aktivitet>[\s\S]*<\/Aktivitet>/, aktivitet)
    .replace(/<GenDate>[^<]*<\/GenDate>/, `<GenDate>${genDate}</GenDate>`)
    .replace(/<BehandletDato>[^<]*<\/BehandletDato>/, `<BehandletDato>${genDate.slice(0, 10)}T09:00:00</BehandletDato>`);
}

describe("NAV's period rules", () => {
  it('accept periods that meet over a weekend, also across a month end, and periods in any order', async () => {
    // Friday 2026-01-30, Monday 2026-02-02.
    expect((await errorsOf(withPeriods([['2026-01-19', '2026-01-30'], ['2026-02-02', '2026-02-15', GRADERT]], '2026-01-19T09:00:00'), MH)).errors).toEqual([]);
    expect((await errorsOf(withPeriods([['2026-02-02', '2026-02-15', GRADERT], ['2026-01-19', '2026-01-30']], '2026-01-19T09:00:00'), MH)).errors).toEqual([]);
  });

  it('reject a single weekday between periods, counting across a leap day', async () => {
    // 2028-02-28 is a Monday, 2028-02-29 a Tuesday: the gap is one working day.
    expect((await errorsOf(withPeriods([['2028-02-21', '2028-02-28'], ['2028-03-01', '2028-03-12', GRADERT]], '2028-02-21T09:00:00'), MH)).errors).toEqual(['SM-0006']);
    expect((await errorsOf(withPeriods([['2028-02-21', '2028-02-29'], ['2028-03-01', '2028-03-12', GRADERT]], '2028-02-21T09:00:00'), MH)).errors).toEqual([]);
  });

  it('find an overlap between any two periods, not only neighbours', async () => {
    const r = await errorsOf(withPeriods([['2026-03-02', '2026-03-08'], ['2026-03-09', '2026-03-15', GRADERT], ['2026-03-16', '2026-03-22'], ['2026-03-05', '2026-03-06', GRADERT]]), MH);
    expect(r.errors).toEqual(['SM-0005']);
    expect(r.r.findings.find((f) => f.ruleId === 'SM-0005')!.message).toMatch(/2026-03-02–2026-03-08 overlaps a later period .*2026-03-05–2026-03-06/);
  });

  it('count an avventende sykmelding of exactly 16 days as allowed and 17 as too long', async () => {
    const avv = '<AvventendeSykmelding><InnspillTilArbeidsgiver>Lette oppgaver.</InnspillTilArbeidsgiver></AvventendeSykmelding>';
    expect((await errorsOf(withPeriods([['2026-03-02', '2026-03-18', avv]]), MH)).errors).toEqual([]);
    expect((await errorsOf(withPeriods([['2026-03-02', '2026-03-19', avv]]), MH)).errors).toEqual(['SM-0009']);
  });

  it('measure 30 days ahead of GenDate in the writer’s own date, across a year end', async () => {
    expect((await errorsOf(withPeriods([['2027-01-30', '2027-02-05']], '2026-12-31T23:30:00+01:00'), MH)).errors).toEqual([]);
    expect((await errorsOf(withPeriods([['2027-01-31', '2027-02-05']], '2026-12-31T23:30:00+01:00'), MH)).errors).toEqual(['SM-0104']);
  });

  it('warn, not reject, when the sykmelding starts more than 8 days before GenDate without a reason', async () => {
    const nine = await errorsOf(withPeriods([['2026-02-21', '2026-03-15']]), MH);
    expect(nine.errors).toEqual([]);
    expect(nine.r.findings.filter((f) => f.severity === 'warning').map((f) => f.ruleId)).toEqual(['SM-0106']);
    const eight = await errorsOf(withPeriods([['2026-02-22', '2026-03-15']]), MH);
    expect(eight.r.findings.filter((f) => f.ruleId === 'SM-0106')).toEqual([]);
  });

  it('leave dates alone that XML Schema allows but no calendar arithmetic here can read (signed or five-digit years)', async () => {
    const r = await errorsOf(withPeriods([['-0045-01-01', '-0045-01-05'], ['12004-04-12', '12004-04-20']]), MH);
    expect(r.errors.filter((id) => id.startsWith('SM-00'))).toEqual([]);
  });
});

describe('the rule set version and the 39-week questions', () => {
  it('require question group 6.5 only for rule set 2 and a period longer than 273 days', async () => {
    const longPeriod = read(MH, 'invalid', 'SM-0033--dokument-week-39-without-group-6-5.xml');
    expect((await errorsOf(longPeriod.replace('<RegelSettVersjon>2</RegelSettVersjon>', '<RegelSettVersjon>3</RegelSettVersjon>'), MH)).errors).toEqual([]);
    expect((await errorsOf(longPeriod.replace('<PeriodeTOMDato>2026-02-15</PeriodeTOMDato>', '<PeriodeTOMDato>2026-02-01</PeriodeTOMDato>'), MH)).errors).toEqual([]);
  });
});

describe('the texts in bokmål', () => {
  it('say what the main diagnosis lacks in bokmål, naming a missing DN only when it is missing', async () => {
    const sm0022 = async (diagnosis: string) =>
      (await errorsOf(base.replace(/<Diagnosekode V="L03"[^>]*\/>/, diagnosis), MH)).r.findings.find((f) => f.ruleId === 'SM-0022');
    const withoutDn = await sm0022('<Diagnosekode V="L03" S="2.16.578.1.12.4.1.1.9999"/>');
    expect(withoutDn?.message).toMatch(/found V="L03" S="2.16.578.1.12.4.1.1.9999" and no DN\.$/);
    expect(withoutDn?.messageNb).toMatch(/^Hoveddiagnosen må ha kode \(V\).*; fant V="L03" S="2.16.578.1.12.4.1.1.9999" og ingen DN\.$/);
    const withDn = await sm0022('<Diagnosekode V="L03" S="2.16.578.1.12.4.1.1.9999" DN="Korsryggsymptomer/plager"/>');
    expect(withDn?.messageNb).toMatch(/; fant V="L03" S="2.16.578.1.12.4.1.1.9999"\.$/);
  });

  it('name the document found first in bokmål when an attachment comes before the sykmelding', async () => {
    const { r } = await errorsOf(read(MH, 'invalid', 'SM-0101--attachment-first.xml'), MH);
    expect(r.findings.find((f) => f.ruleId === 'SM-0101')?.messageNb).toMatch(
      /; fant Base64Container i http:\/\/www\.kith\.no\/xmlstds\/base64container\. Vedlegg legges i de påfølgende Document-elementene\.$/,
    );
  });
});
