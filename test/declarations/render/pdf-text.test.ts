import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { pdfText } from './pdf-text.js';

/** A one-stream PDF body as pdfkit writes it: `stream\n`, the deflated content, `\nendstream`. */
function pdfWith(line: string): { pdf: Buffer; endsInCr: boolean } {
  const hex = Buffer.from(line, 'latin1').toString('hex');
  const data = deflateSync(Buffer.from(`BT [<${hex}>] TJ ET`, 'latin1'));
  const pdf = Buffer.concat([Buffer.from('1 0 obj << >>\nstream\n', 'latin1'), data, Buffer.from('\nendstream\nendobj\n', 'latin1')]);
  return { pdf, endsInCr: data[data.length - 1] === 0x0d };
}

describe('reading a PDF back for assertions', () => {
  it('reads a content stream whose compressed bytes end in what looks like a carriage return', () => {
    // Some line deflates to bytes ending in 0x0D; one in about 256 does.
    let found: { line: string; pdf: Buffer } | undefined;
    for (let i = 0; i < 5000 && !found; i++) {
      // Lines of different lengths, so that the stream's last bytes (zlib's checksum) vary widely.
      const line = `Erstattet av nyere erklæring (egn-${i}).${' '.repeat(i % 97)}`;
      const { pdf, endsInCr } = pdfWith(line);
      if (endsInCr) found = { line, pdf };
    }
    expect(found).toBeDefined();
    expect(pdfText(found!.pdf)).toBe(found!.line);
  });
});
