import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { loadCatalog } from '../../src/profiles/catalog.js';
import { bytes, FIXTURE_PROFILES } from '../helpers/fixture-catalog.js';

/**
 * A standard whose document travels both in an envelope and on its own (e-resept, sykmelding) is one
 * profile with two detection alternatives: either form is recognised, and either fits when named.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'samsvar-detect-'));
cpSync(path.join(FIXTURE_PROFILES, 'fx-base'), path.join(dir, 'fx-base'), { recursive: true });
cpSync(path.join(FIXTURE_PROFILES, 'fx-order'), path.join(dir, 'fx-order'), { recursive: true });
const manifestPath = path.join(dir, 'fx-order', 'profile.json');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
manifest.detect = [manifest.detect, { rootNamespace: 'urn:fx:order' }];
writeFileSync(manifestPath, JSON.stringify(manifest));
const engine = new Engine(loadCatalog({ shippedDir: dir, importedDir: path.join(dir, '__none__') }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bare = '<Order xmlns="urn:fx:order"><Kind V="A"/><Qty>2</Qty><Note>n</Note></Order>';
const wrapped = `<Envelope xmlns="urn:fx:envelope"><MsgId>m</MsgId><Status V="1" S="2.16.578.1.12.4.1.1.8258" DN="OK"/><Content>${bare}</Content></Envelope>`;

describe('a profile with detection alternatives', () => {
  it('is detected for the document in its envelope and for the document alone', async () => {
    expect((await engine.validate(bytes(wrapped))).profile).toBe('fx-order');
    const alone = await engine.validate(bytes(bare));
    expect(alone.profile).toBe('fx-order');
    expect(alone.detection).toContain('urn:fx:order');
  });

  it('fits either form when named, and explains a document that fits neither', async () => {
    for (const xml of [wrapped, bare]) {
      const r = await engine.validate(bytes(xml), { profile: 'fx-order' });
      expect(r.findings.map((f) => f.ruleId)).not.toContain('PROFILE-MISMATCH');
    }
    const other = await engine.validate(bytes('<Envelope xmlns="urn:fx:envelope"><MsgId>m</MsgId></Envelope>'), { profile: 'fx-order' });
    expect(other.findings.find((f) => f.ruleId === 'PROFILE-MISMATCH')!.message).toContain('not urn:fx:order');
  });

  it('must list at least one alternative', () => {
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, detect: [] }));
    expect(() => loadCatalog({ shippedDir: dir, importedDir: path.join(dir, '__none__') })).toThrow(/detect/);
  });
});
