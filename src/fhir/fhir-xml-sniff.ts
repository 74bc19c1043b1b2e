/** FHIR's XML namespace, and telling FHIR XML from KITH's XML messages before either validator is loaded. */
export const FHIR_NS = 'http://hl7.org/fhir';

/** How far into a document its root element is looked for: past the XML declaration, comments and processing instructions. */
const HEAD_BYTES = 4096;

/**
 * Whether bytes are XML whose root element is in FHIR's namespace, read from the first start tag
 * with a scan that moves only forward (the bytes come from outside: no backtracking pattern).
 */
export function isFhirXml(input: Uint8Array): boolean {
  const head = Buffer.from(input.subarray(0, HEAD_BYTES)).toString('latin1');
  let i = head.startsWith('\xef\xbb\xbf') ? 3 : 0;
  for (;;) {
    while (i < head.length && ' \t\r\n'.includes(head[i]!)) i++;
    if (head.startsWith('<?', i)) i = skipPast(head, '?>', i + 2);
    else if (head.startsWith('<!--', i)) i = skipPast(head, '-->', i + 4);
    else break;
    if (i < 0) return false;
  }
  if (head[i] !== '<') return false;
  const end = head.indexOf('>', i);
  if (end < 0) return false;
  const tag = head.slice(i + 1, end);
  const name = /^[^\s/>]+/.exec(tag)?.[0] ?? '';
  const prefix = name.includes(':') ? name.slice(0, name.indexOf(':')) : '';
  const attribute = prefix ? `xmlns:${prefix}` : 'xmlns';
  // Attribute by attribute: name = "value" or 'value'.
  const attributes = tag.slice(name.length);
  const pattern = /\s*([^\s=/]+)\s*=\s*("[^"]*"|'[^']*')/y;
  for (let m = pattern.exec(attributes); m; m = pattern.exec(attributes))
    if (m[1] === attribute && m[2]!.slice(1, -1) === FHIR_NS) return true;
  return false;
}

function skipPast(text: string, marker: string, from: number): number {
  const at = text.indexOf(marker, from);
  return at < 0 ? -1 : at + marker.length;
}
