import { inflateSync } from 'node:zlib';

/**
 * The text a PDF shows, line by line, read back from its content streams (pdfkit writes each line
 * as hex strings in TJ arrays, WinAnsi-encoded): enough to assert what a printed page says.
 */
export function pdfText(pdf: Buffer): string {
  const raw = pdf.toString('latin1');
  const lines: string[] = [];
  for (const m of raw.matchAll(/stream\r?\n([\s\S]*?)endstream/g)) {
    // The line end before `endstream` is not data, but a compressed stream may itself end in a byte
    // that reads as \r: taking `\r?\n` as the delimiter cut one stream in 256 short (a flaky test).
    const data = m[1]!.replace(/\n$/, '');
    let content: string | undefined;
    for (const candidate of [data, data.replace(/\r$/, '')]) {
      try {
        content = inflateSync(Buffer.from(candidate, 'latin1')).toString('latin1');
        break;
      } catch {
        // not this one
      }
    }
    if (content === undefined) continue;
    for (const tj of content.matchAll(/\[([^\]]*)\]\s*TJ/g)) {
      const hex = [...tj[1]!.matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => h[1]).join('');
      lines.push(Buffer.from(hex, 'hex').toString('latin1'));
    }
  }
  return lines.join('\n');
}
