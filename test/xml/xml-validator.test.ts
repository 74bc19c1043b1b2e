import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importXmlProfile } from '../../src/xml/import-profile.js';
import { Engine } from '../../src/engine/engine.js';
import { bytes, FIXTURE_PROFILES, fixtureCatalog } from '../helpers/fixture-catalog.js';

const engine = new Engine(fixtureCatalog());

function order({
  msgId = 'abc-1',
  status = '<Status V="1" S="2.16.578.1.12.4.1.1.8258" DN="OK"/>',
  qty = ['<Qty>2</Qty>'],
  note = '<Note>hi</Note>',
  ident = '',
  kind = 'A',
  kindDn = 'Akutt',
} = {}) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="urn:fx:envelope">
  <MsgId>${msgId}</MsgId>
  ${status}
  ${ident}
  <Content>
    <Order xmlns="urn:fx:order">
      <Kind V="${kind}" S="2.16.578.1.12.4.1.1.9999" DN="${kindDn}"/>
      ${qty.join('\n      ')}
      ${note}
    </Order>
  </Content>
</Envelope>`;
}

describe('XML validation of a document against a profile', () => {
  it('accepts a document that meets schema, rules, code lists and identifiers', async () => {
    const r = await engine.validate(bytes(order()), { profile: 'fx-order' });
    expect(r.findings).toEqual([]);
    expect(r).toMatchObject({ valid: true, profile: 'fx-order', profileVersion: '2.0.0', detection: 'given', format: 'xml' });
    expect(r.profileSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('validates the envelope and the embedded document as one unit (imports resolved through the used profile catalog)', async () => {
    const r = await engine.validate(bytes(order({ qty: ['<Qty>zero</Qty>'] })), { profile: 'fx-order' });
    const f = r.findings.find((x) => x.layer === 'schema');
    expect(r.valid).toBe(false);
    expect(f).toMatchObject({ ruleId: 'XSD', severity: 'error', line: 9, column: 7, xpath: '/Envelope/Content/Order/Qty' });
    expect(f!.message).toContain("'zero' is not a valid value");
  });

  it('reports schema errors in the envelope with line, column and a readable XPath', async () => {
    const r = await engine.validate(bytes(order({ status: '' })), { profile: 'fx-order' });
    const f = r.findings.find((x) => x.ruleId === 'XSD')!;
    expect(f.message).toMatch(/Status/);
    expect(f.xpath).toMatch(/^\/Envelope\//);
  });

  it('points at the exact element in a document written on one line', async () => {
    const oneLine = order({ qty: ['<Qty>1</Qty>', '<Qty>-4</Qty>'] }).replace(/\n\s*/g, '');
    const r = await engine.validate(bytes(oneLine), { profile: 'fx-order' });
    const f = r.findings.find((x) => x.ruleId === 'XSD')!;
    expect(f.line).toBe(1);
    expect(f.xpath).toBe('/Envelope/Content/Order/Qty[2]');
    expect(oneLine.slice(f.column! - 1, f.column! + 4)).toBe('<Qty>');
    expect(oneLine.slice(f.column! - 1)).toMatch(/^<Qty>-4/);
  });

  it('runs Schematron rules with lets, value-of and name, and carries the clause reference', async () => {
    const r = await engine.validate(bytes(order({ qty: ['<Qty>60</Qty>', '<Qty>50</Qty>'] })), { profile: 'fx-order' });
    expect(r.findings).toEqual([
      expect.objectContaining({
        ruleId: 'FX-0002',
        severity: 'error',
        layer: 'rule',
        message: 'The order asks for 110 items; at most 100 are allowed in one Order.',
        reference: 'Fixture spec 2.3 Qty',
        line: 7,
        column: 5,
        xpath: '/Envelope/Content/Order',
      }),
    ]);
  });

  it('expands abstract rules, honours role and flag severities and report semantics', async () => {
    const r = await engine.validate(bytes(order({ msgId: ' ', note: '', qty: ['<Qty>13</Qty>'] })), { profile: 'fx-order' });
    const byId = Object.fromEntries(r.findings.map((f) => [f.ruleId, f.severity]));
    expect(byId).toMatchObject({ 'FX-0001': 'error', 'FX-0003': 'warning', 'FX-0004': 'information' });
  });

  it('checks coded values against the code lists of the profile and the profiles it uses', async () => {
    const r = await engine.validate(bytes(order({ kind: 'X' })), { profile: 'fx-order' });
    expect(r.findings).toEqual([
      expect.objectContaining({
        ruleId: 'CODELIST-VALUE',
        severity: 'error',
        layer: 'codelist',
        xpath: '/Envelope/Content/Order/Kind/@V',
        line: 8,
        column: 13,
      }),
    ]);
    expect(r.findings[0].message).toContain('valid codes: A, P');

    const dn = await engine.validate(bytes(order({ kindDn: 'Hastig' })), { profile: 'fx-order' });
    expect(dn.valid).toBe(true);
    expect(dn.findings).toEqual([
      expect.objectContaining({ ruleId: 'CODELIST-DN', severity: 'warning', xpath: '/Envelope/Content/Order/Kind/@DN' }),
    ]);

    const status = await engine.validate(bytes(order({ status: '<Status V="7" S="2.16.578.1.12.4.1.1.8258"/>' })), { profile: 'fx-order' });
    expect(status.findings.map((f) => f.ruleId)).toEqual(['CODELIST-VALUE']);

    const unknown = await engine.validate(bytes(order({ status: '<Status V="1" S="2.16.578.1.12.4.1.1.1234"/>' })), {
      profile: 'fx-order',
    });
    expect(unknown.valid).toBe(true);
    expect(unknown.findings).toEqual([expect.objectContaining({ ruleId: 'CODELIST-UNKNOWN-OID', severity: 'information' })]);
  });

  it('applies the content of a used profile put in place of another, not the rules compiled with the earlier one', async () => {
    const catalog = fixtureCatalog();
    const validator = new Engine(catalog);
    expect((await validator.validate(bytes(order()), { profile: 'fx-order' })).findings).toEqual([]);
    // A new fx-base whose status code list no longer has code 1: fx-order's own content is unchanged.
    const base = catalog.require('fx-base');
    const files = new Map(base.files);
    files.set(
      'status.json',
      bytes(JSON.stringify({ oid: '2.16.578.1.12.4.1.1.8258', name: 'Status', codes: [{ code: '2', display: 'Avvist' }] })),
    );
    catalog.put({ ...base, source: 'imported', files, sha256: 'b'.repeat(64) });
    const after = await validator.validate(bytes(order()), { profile: 'fx-order' });
    expect(after.profileSha256).toBe(catalog.require('fx-order').sha256);
    expect(after.findings.map((f) => f.message)).toEqual([expect.stringContaining('V="1" is not a code')]);
  });

  it('refuses a profile whose rule files, its own and those of the profiles it uses, give one rule id to two different checks', async () => {
    const catalog = fixtureCatalog();
    const base = catalog.require('fx-base');
    const files = new Map(base.files);
    const rules = (text: string) =>
      bytes(`<sch:schema xmlns:sch="http://purl.oclc.org/dsdl/schematron">
  <sch:pattern><sch:rule context="/*"><sch:assert id="FX-0001" test="true()">${text}</sch:assert></sch:rule></sch:pattern>
</sch:schema>`);
    files.set('rules/base.sch', rules('the envelope has a root'));
    const manifest = { ...base.manifest, rules: ['rules/base.sch'] } as typeof base.manifest;
    catalog.put({ ...base, source: 'imported', manifest, files, sha256: 'c'.repeat(64) });
    await expect(new Engine(catalog).validate(bytes(order()), { profile: 'fx-order' })).rejects.toMatchObject({
      code: 'profile_invalid',
      message: expect.stringMatching(
        /profile fx-order: rule id FX-0001 stands for one check in fx-order\/rules\/order\.sch and another in fx-base\/rules\/base\.sch/,
      ),
    });
  });

  it('checks declared identifiers and refuses numbers that look like a real person', async () => {
    const ident = (id: string, type: string) => `<Ident><Id>${id}</Id><TypeId V="${type}" S="2.16.578.1.12.4.1.1.8116"/></Ident>`;
    const cases: [string, string, string | null][] = [
      ['13416512345', 'FNR', 'ID-FNR'], // bad control digits
      ['974760673', 'ENH', null],
      ['974760674', 'ENH', 'ID-ORGNR'],
      ['8142987', 'HER', null],
      ['81429x7', 'HER', 'ID-HER'],
      ['1234567890', 'HPR', 'ID-HPR'],
    ];
    for (const [id, type, expected] of cases) {
      const r = await engine.validate(bytes(order({ ident: ident(id, type) })), { profile: 'fx-order' });
      const ids = r.findings.filter((f) => f.layer === 'identifier').map((f) => f.ruleId);
      expect(ids, `${type} ${id}`).toEqual(expected ? [expected] : []);
    }
  });

  it('flags a valid but non-synthetic fødselsnummer on the privacy layer without failing the message, and accepts synthetic ones', async () => {
    const ident = (id: string) => `<Ident><Id>${id}</Id><TypeId V="FNR" S="2.16.578.1.12.4.1.1.8116"/></Ident>`;
    const { checkPersonNumber } = await import('../../src/identifiers/norwegian-ids.js');
    const candidates = Array.from({ length: 100 }, (_, i) => `0101901${String(i).padStart(2, '0')}`).flatMap((p) =>
      Array.from({ length: 100 }, (_, k) => p + String(k).padStart(2, '0')),
    );
    const realNumber = candidates.find((n) => checkPersonNumber(n).ok)!;
    const syntheticNumber = candidates.map((n) => n.slice(0, 2) + '41' + n.slice(4)).find((n) => checkPersonNumber(n).ok)!;
    const r1 = await engine.validate(bytes(order({ ident: ident(realNumber) })), { profile: 'fx-order' });
    expect(r1.findings.filter((f) => f.layer === 'identifier' || f.layer === 'privacy')).toEqual([
      expect.objectContaining({ ruleId: 'ID-PERSON-REAL', severity: 'warning', layer: 'privacy', xpath: '/Envelope/Ident/Id' }),
    ]);
    expect(r1.findings[0].message).not.toContain(realNumber);
    expect(r1.valid).toBe(true);
    const r2 = await engine.validate(bytes(order({ ident: ident(syntheticNumber) })), { profile: 'fx-order' });
    expect(r2.findings.filter((f) => f.layer === 'identifier')).toEqual([]);
    expect(r2.valid).toBe(true);
  });

  it('reads ISO-8859-1 messages declared in the XML declaration', async () => {
    const text = order({ note: '<Note>Blåbærsyltetøy ÆØÅ</Note>', kind: 'X' }).replace('encoding="UTF-8"', 'encoding="ISO-8859-1"');
    const latin1 = Buffer.from(text, 'latin1');
    const r = await engine.validate(latin1, { profile: 'fx-order' });
    expect(r.findings.map((f) => f.ruleId)).toEqual(['CODELIST-VALUE']);
    expect(r.findings[0].line).toBe(8);
  });
});

describe('profile detection', () => {
  it('picks the most specific profile from root namespace and embedded document namespace, and says so', async () => {
    const r = await engine.validate(bytes(order()));
    expect(r.profile).toBe('fx-order');
    expect(r.detection).toContain('detected fx-order');
    expect(r.detection).toContain('urn:fx:order');
  });

  it('falls back to the envelope profile when nothing more specific matches', async () => {
    const r = await engine.validate(
      bytes('<Envelope xmlns="urn:fx:envelope"><MsgId>x</MsgId><Status V="1" S="2.16.578.1.12.4.1.1.8258"/></Envelope>'),
    );
    expect(r).toMatchObject({ profile: 'fx-base', valid: true });
  });

  it('says when no profile fits', async () => {
    const r = await engine.validate(bytes('<x xmlns="urn:nothing"/>'));
    expect(r).toMatchObject({ profile: null, valid: false });
    expect(r.findings[0]).toMatchObject({ ruleId: 'PROFILE-UNKNOWN' });
    expect(r.findings[0].message).toContain('urn:nothing');
  });
});

describe('a profile given by the caller', () => {
  it('must fit the document: a different embedded document or root namespace is an error', async () => {
    const envelopeOnly = '<Envelope xmlns="urn:fx:envelope"><MsgId>x</MsgId><Status V="1" S="2.16.578.1.12.4.1.1.8258"/></Envelope>';
    const r = await engine.validate(bytes(envelopeOnly), { profile: 'fx-order' });
    expect(r.findings).toContainEqual(expect.objectContaining({ ruleId: 'PROFILE-MISMATCH', severity: 'error', line: 1 }));
    expect(r.findings.find((f) => f.ruleId === 'PROFILE-MISMATCH')!.message).toContain('not urn:fx:order');
    const other = await engine.validate(bytes('<Other xmlns="urn:other"/>'), { profile: 'fx-base' });
    expect(other.findings[0]).toMatchObject({ ruleId: 'PROFILE-MISMATCH' });
  });

  it('may be less specific than the document (the envelope profile checks any envelope)', async () => {
    const r = await engine.validate(bytes(order()), { profile: 'fx-base' });
    expect(r.findings.map((f) => f.ruleId)).not.toContain('PROFILE-MISMATCH');
  });
});

describe('standalone messages with their own header, and kinds told apart by content', () => {
  const report = (kind: string, type = 'REPORT') =>
    bytes(`<Report xmlns="urn:fx:report"><Type V="${type}"/><MsgId>m-1</MsgId><Kind V="${kind}"/></Report>`);

  it("reads the message type from the root's own Type and picks the kind whose detect.xpath holds", async () => {
    const urgent = await engine.validate(report('URGENT'));
    expect(urgent).toMatchObject({ profile: 'fx-report-urgent', valid: true });
    expect(urgent.detection).toContain('Report/Type REPORT');
    expect((await engine.validate(report('ROUTINE'))).profile).toBe('fx-report');
  });

  it('leaves a document two kinds accept to the one with the higher detect.priority', async () => {
    expect((await engine.validate(report('URGENT'))).profile).toBe('fx-report-urgent');
    expect((await engine.validate(report('FLAGGED'))).profile).toBe('fx-report-flagged');
    expect((await engine.validate(report('URGENT'), { profile: 'fx-report-flagged' })).valid).toBe(true);
  });

  it('does not match a profile whose message type differs', async () => {
    const r = await engine.validate(report('URGENT', 'OTHER'));
    expect(r.findings[0]).toMatchObject({ ruleId: 'PROFILE-UNKNOWN' });
    expect(r.findings[0].message).toContain('Report/Type OTHER');
  });

  it('says in words what a named kind profile needs when the document is another kind', async () => {
    const r = await engine.validate(report('ROUTINE'), { profile: 'fx-report-urgent' });
    const f = r.findings.find((x) => x.ruleId === 'PROFILE-MISMATCH')!;
    expect(f.message).toContain('Kind V="URGENT"');
    const wrongType = await engine.validate(report('URGENT', 'OTHER'), { profile: 'fx-report-urgent' });
    expect(wrongType.findings.find((x) => x.ruleId === 'PROFILE-MISMATCH')!.message).toContain('Report/Type is OTHER, not REPORT');
  });
});

describe('a profile whose detection test does not compile', () => {
  it('is refused when it is imported, naming the test', () => {
    const work = mkdtempSync(path.join(tmpdir(), 'samsvar-detect-'));
    try {
      const dir = path.join(work, 'fx-report-broken');
      cpSync(path.join(FIXTURE_PROFILES, 'fx-report-urgent'), dir, { recursive: true });
      const manifest = JSON.parse(readFileSync(path.join(dir, 'profile.json'), 'utf8'));
      writeFileSync(
        path.join(dir, 'profile.json'),
        JSON.stringify({ ...manifest, id: 'fx-report-broken', detect: { ...manifest.detect, xpath: "/r:Report/r:Kind[@V = 'URGENT'" } }),
      );
      expect(() => importXmlProfile(dir, path.join(work, 'imported'), fixtureCatalog())).toThrow(/detect\.xpath .* does not compile/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
