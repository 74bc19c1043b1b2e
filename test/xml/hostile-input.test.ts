import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { growthRatio, LINEAR_RATIO_LIMIT } from '../support/growth.js';
import { Engine } from '../../src/engine/engine.js';
import { loadCatalog } from '../../src/profiles/catalog.js';
import { bytes, fixtureCatalog } from '../helpers/fixture-catalog.js';

const engine = new Engine(fixtureCatalog());
const validate = (doc: Uint8Array | string, profile = 'fx-order') =>
  engine.validate(typeof doc === 'string' ? bytes(doc) : doc, { profile });

describe('hostile documents end in a finding, never an expansion, a fetch or a crash', () => {
  it('refuses an external entity (XXE) without reading the file', async () => {
    const r = await validate(
      '<?xml version="1.0"?>\n<!DOCTYPE Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<Envelope xmlns="urn:fx:envelope">&xxe;</Envelope>',
    );
    expect(r.findings).toEqual([
      expect.objectContaining({ ruleId: 'SYNTAX-DOCTYPE', severity: 'error', layer: 'syntax', line: 2, column: 1 }),
    ]);
    expect(JSON.stringify(r)).not.toContain('root:');
  });

  it('refuses "<!DOCTYPE" written inside a comment, where another reader could take it for a declaration', async () => {
    const r = await validate(
      '<?xml version="1.0"?>\n<Envelope xmlns="urn:fx:envelope"><!-- <!DOCTYPE Envelope SYSTEM "file:///etc/passwd"> --></Envelope>',
    );
    expect(r.findings).toEqual([
      expect.objectContaining({ ruleId: 'SYNTAX-DOCTYPE', severity: 'error', layer: 'syntax', line: 2, column: 40 }),
    ]);
  });

  it('refuses billion laughs before any entity is declared, let alone expanded', async () => {
    const lols = Array.from({ length: 10 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('');
    const r = await validate(
      `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">${lols}]><Envelope xmlns="urn:fx:envelope">&lol10;</Envelope>`,
    );
    expect(r.findings.map((f) => f.ruleId)).toEqual(['SYNTAX-DOCTYPE']);
  });

  it('refuses a 100 MB document by its size, naming the limit', async () => {
    const huge = new Uint8Array(100 * 1024 * 1024).fill(0x20);
    huge.set(bytes('<Envelope xmlns="urn:fx:envelope">'), 0);
    const r = await validate(huge);
    expect(r.findings).toEqual([expect.objectContaining({ ruleId: 'SYNTAX-SIZE' })]);
    expect(r.findings[0].message).toContain(String(25 * 1024 * 1024));
  });

  it('refuses 10,000-deep nesting, naming the depth limit and where it was passed', async () => {
    const deep = `<Envelope xmlns="urn:fx:envelope">${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}</Envelope>`;
    const r = await validate(deep);
    expect(r.findings).toEqual([expect.objectContaining({ ruleId: 'SYNTAX-DEPTH', line: 1 })]);
    expect(r.findings[0].message).toContain('50'); // fx-order's manifest limit
    const noProfile = await engine.validate(bytes(deep));
    expect(noProfile.findings[0]).toMatchObject({ ruleId: 'SYNTAX-DEPTH' });
    expect(noProfile.findings[0].message).toContain('200');
  });

  it('refuses invalid UTF-8 with the position of the first bad byte', async () => {
    const doc = Buffer.concat([
      Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<Envelope xmlns="urn:fx:envelope">\n  <MsgId>bl'),
      Buffer.from([0xe5]),
      Buffer.from('b</MsgId></Envelope>'),
    ]);
    const r = await validate(doc);
    expect(r.findings).toEqual([expect.objectContaining({ ruleId: 'SYNTAX-ENCODING', line: 3, column: 12 })]);
    expect(r.findings[0].message).toContain('ISO-8859-1');
  });

  it('refuses overlong UTF-8 sequences and encoded surrogates', async () => {
    for (const bad of [
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
    ]) {
      const r = await validate(
        Buffer.concat([Buffer.from('<Envelope xmlns="urn:fx:envelope"><MsgId>'), Buffer.from(bad), Buffer.from('</MsgId></Envelope>')]),
      );
      expect(r.findings[0]?.ruleId).toBe('SYNTAX-ENCODING');
    }
  });

  it('refuses encodings other than UTF-8 and ISO-8859-1 and UTF-16 input', async () => {
    const r = await validate('<?xml version="1.0" encoding="EBCDIC-US"?><Envelope/>');
    expect(r.findings[0]).toMatchObject({ ruleId: 'SYNTAX-ENCODING' });
    const utf16 = Buffer.from('\ufeff<Envelope/>', 'utf16le');
    expect((await validate(utf16)).findings[0]).toMatchObject({ ruleId: 'SYNTAX-ENCODING' });
  });

  it('reports malformed XML with line and column', async () => {
    const r = await validate('<Envelope xmlns="urn:fx:envelope">\n  <MsgId>x</MsgID>\n</Envelope>');
    expect(r.findings[0]).toMatchObject({ ruleId: 'SYNTAX-MALFORMED', severity: 'error', layer: 'syntax', line: 2 });
    expect(r.findings[0].column).toBeGreaterThan(1);
    expect(r.findings[0].message).toMatch(/MsgId/);
  });

  it('answers a flood of findings on one line with work linear in its size, at most 1000 findings, the errors first and a note of how many were left out', async () => {
    // n wrong codes and n information hits in a one-line message: every finding used to cost a walk
    // over all siblings and the whole line, so the time grew with the square of the count.
    const flood = (n: number) =>
      `<Envelope xmlns="urn:fx:envelope"><MsgId>1</MsgId><Status V="1"/><Content><Order xmlns="urn:fx:order">${'<Kind V="X" S="2.16.578.1.12.4.1.1.9999"/>'.repeat(n)}${'<Qty>13</Qty>'.repeat(n)}</Order></Content></Envelope>`;
    expect(await growthRatio((n) => validate(flood(n)), 2500)).toBeLessThan(LINEAR_RATIO_LIMIT);
    const doc = flood(20_000);
    const r = await validate(doc);
    expect(r.valid).toBe(false);
    expect(r.findings.length).toBeLessThanOrEqual(1001);
    const limit = r.findings.find((f) => f.ruleId === 'FINDINGS-LIMIT');
    expect(limit).toMatchObject({ severity: 'information', layer: 'schema' });
    expect(limit!.message).toMatch(/more than 1000 findings/);
    expect(r.findings.filter((f) => f.ruleId === 'CODELIST-VALUE').length).toBeGreaterThan(900);
    expect(r.findings.some((f) => f.ruleId === 'FX-0004')).toBe(false);
    const last = r.findings.filter((f) => f.ruleId === 'CODELIST-VALUE').at(-1)!;
    expect(last.xpath).toMatch(/^\/Envelope\/Content\/Order\/Kind\[\d+\]\/@V$/);
    expect(last.line).toBe(1);
    const offset =
      doc.indexOf('<Kind') +
      (Number(/Kind\[(\d+)\]/.exec(last.xpath!)![1]) - 1) * '<Kind V="X" S="2.16.578.1.12.4.1.1.9999"/>'.length +
      '<Kind '.length;
    expect(last.column).toBe(offset + 1);
  });

  it('answers empty input and undefined entities with syntax findings', async () => {
    expect((await validate('')).findings[0]).toMatchObject({ ruleId: 'SYNTAX-MALFORMED', message: 'The document is empty' });
    expect((await engine.validate(bytes('   '))).findings[0].ruleId).toBe('SYNTAX-FORMAT');
    expect((await validate('<Envelope xmlns="urn:fx:envelope">&nbsp;</Envelope>')).findings[0].ruleId).toBe('SYNTAX-MALFORMED');
  });
});

describe('profile schemas resolve only from the profile set', () => {
  it('refuses a schema import that is not mapped by a catalog, naming the URL, without fetching it', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'samsvar-prof-'));
    const dir = path.join(root, 'leaky');
    mkdirSync(dir);
    writeFileSync(
      path.join(dir, 'profile.json'),
      JSON.stringify({ id: 'leaky', version: '1', title: 'Leaky', kind: 'xml', schema: 'main.xsd' }),
    );
    writeFileSync(
      path.join(dir, 'main.xsd'),
      `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:l"><xs:import namespace="urn:x" schemaLocation="http://127.0.0.1:9/evil.xsd"/><xs:include schemaLocation="file:///etc/passwd"/><xs:element name="r"/></xs:schema>`,
    );
    const e = new Engine(loadCatalog({ shippedDir: root, importedDir: path.join(root, 'none') }));
    expect(() => e.xml.validate(bytes('<r xmlns="urn:l"/>'), 'leaky')).toThrow(/http:\/\/127\.0\.0\.1:9\/evil\.xsd/);
    try {
      e.xml.validate(bytes('<r xmlns="urn:l"/>'), 'leaky');
    } catch (err) {
      expect((err as { code: string }).code).toBe('profile_invalid');
    }
  });

  it('keeps validating with a profile after new content of it failed to compile', async () => {
    const e = new Engine(fixtureCatalog());
    const good = e.catalog.require('fx-order');
    const doc = bytes('<Envelope xmlns="urn:fx:envelope"><MsgId>1</MsgId><Status V="1"/></Envelope>');
    const before = await e.validate(doc, { profile: 'fx-order' });
    const broken = { ...good, sha256: 'f'.repeat(64), files: new Map([...good.files, ['rules/order.sch', bytes('<not-schematron/>')]]) };
    expect(() => e.xml.prepare(broken)).toThrow(/sch:schema/);
    expect(await e.validate(doc, { profile: 'fx-order' })).toEqual(before);
  });

  it('compiles a schema once and reuses it for later documents', async () => {
    const e = new Engine(fixtureCatalog());
    const first = e.xml.prepare(e.catalog.require('fx-order'));
    await e.validate(bytes('<Envelope xmlns="urn:fx:envelope"><MsgId>1</MsgId><Status V="1"/></Envelope>'), { profile: 'fx-order' });
    expect(e.xml.prepare(e.catalog.require('fx-order'))).toBe(first);
  });
});
