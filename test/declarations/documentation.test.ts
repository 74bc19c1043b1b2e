import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { acceptDocuments, MAX_DOCUMENT_BYTES } from '../../src/declarations/documentation.js';

const b64 = (s: string | Uint8Array) => Buffer.from(s).toString('base64');
const pdf = '%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n';

describe('documentation attached to a level A declaration', () => {
  it('is decoded, measured and digested', () => {
    const [a, b] = acceptDocuments([
      { name: 'samsvarsrapport.pdf', mediaType: 'application/pdf', content: b64(pdf) },
      { name: 'Beskrivelse æøå.md', mediaType: 'text/markdown', content: b64('# Meldingsflyt\n') },
    ]);
    expect(a!.digest).toEqual({
      name: 'samsvarsrapport.pdf',
      mediaType: 'application/pdf',
      size: pdf.length,
      sha256: createHash('sha256').update(pdf).digest('hex'),
    });
    expect(Buffer.from(a!.bytes).toString('latin1')).toBe(pdf);
    expect(b!.digest.name).toBe('Beskrivelse æøå.md');
  });

  it('must be what its media type says', () => {
    expect(() => acceptDocuments([{ name: 'x.pdf', mediaType: 'application/pdf', content: b64('MZ\x90\x00') }])).toThrow(
      /documents\[0\] is declared as application\/pdf but does not start with %PDF-/,
    );
    expect(() => acceptDocuments([{ name: 'x.txt', mediaType: 'text/plain', content: b64(new Uint8Array([0xff, 0xfe, 0x41])) }])).toThrow(
      /not valid UTF-8/,
    );
    expect(() => acceptDocuments([{ name: 'x.exe', mediaType: 'application/octet-stream', content: b64('x') }])).toThrow(
      /accepted are application\/pdf/,
    );
  });

  it('refuses broken base64, paths in names, empty, oversized and duplicate documents', () => {
    expect(() => acceptDocuments([{ name: 'x.txt', mediaType: 'text/plain', content: 'not base64!' }])).toThrow(/not valid base64/);
    expect(() => acceptDocuments([{ name: '../../etc/passwd', mediaType: 'text/plain', content: b64('x') }])).toThrow(
      /without path separators/,
    );
    expect(() => acceptDocuments([{ name: 'tom.txt', mediaType: 'text/plain', content: '' }])).toThrow(/is empty/);
    const big = 'A'.repeat(Math.ceil(((MAX_DOCUMENT_BYTES + 10) * 4) / 3 / 4) * 4);
    expect(() => acceptDocuments([{ name: 'stor.txt', mediaType: 'text/plain', content: big }])).toThrow(/larger than/);
    const same = { name: 'a.txt', mediaType: 'text/plain', content: b64('samme') };
    expect(() => acceptDocuments([same, { ...same, name: 'b.txt' }])).toThrow(/attached twice/);
    expect(() => acceptDocuments([])).toThrow(/at least one document/);
  });
});
