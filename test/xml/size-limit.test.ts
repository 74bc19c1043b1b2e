import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { DEFAULT_MAX_BYTES } from '../../src/xml/limits.js';
import { readXml } from '../../src/xml/read-xml.js';
import { fixtureCatalog } from '../helpers/fixture-catalog.js';

/** A valid fx-base message of `size` bytes whose one text node (MsgId) takes up nearly all of it. */
function messageOfSize(size: number): Uint8Array {
  const head = '<Envelope xmlns="urn:fx:envelope"><MsgId>';
  const tail = '</MsgId><Status V="1"/></Envelope>';
  const out = new Uint8Array(size);
  out.fill(0x41); // 'A'
  out.set(new TextEncoder().encode(head), 0);
  out.set(new TextEncoder().encode(tail), size - tail.length);
  return out;
}

describe('the size limit is the only size limit', () => {
  const engine = new Engine(fixtureCatalog());

  it('reads a text node over libxml2’s default 10,000,000 characters (a large attachment) as well-formed', () => {
    const { parsed, findings } = readXml(messageOfSize(10_500_000));
    expect(findings).toEqual([]);
    parsed!.doc.dispose();
  });

  it('validates a valid message just under the size limit, one text node nearly all of it', async () => {
    const result = await engine.validate(messageOfSize(DEFAULT_MAX_BYTES - 1), { profile: 'fx-base' });
    expect(result.findings).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('still refuses a message one byte over the limit, before parsing it', async () => {
    const result = await engine.validate(messageOfSize(DEFAULT_MAX_BYTES + 1), { profile: 'fx-base' });
    expect(result.findings.map((f) => f.ruleId)).toEqual([expect.stringMatching(/^SYNTAX-/)]);
  });
});
