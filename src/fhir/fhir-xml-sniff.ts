/** FHIR's XML namespace, and telling FHIR XML from KITH's XML messages before either validator is loaded. */
export const FHIR_NS = 'http://hl7.org/fhir';

/** Whether bytes are XML whose root element is in FHIR's namespace (read from the first start tag). */
export function isFhirXml(input: Uint8Array): boolean {
  const head = Buffer.from(input.subarray(0, 4096)).toString('latin1');
  const tag = /^(?:\s|<\?[^]*?\?>|<!--[^]*?-->)*<(?:([\w.-]+):)?[\w.-]+((?:\s+[^\s=>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*\/?>/.exec(
    head.replace(/^\ufeff|^\xef\xbb\xbf/, ''),
  );
  if (!tag) return false;
  const prefix = tag[1];
  const attrs = tag[2] ?? '';
  const decl = new RegExp(`\\sxmlns${prefix ? `:${prefix}` : ''}\\s*=\\s*["']${FHIR_NS.replace(/[./]/g, '\\$&')}["']`);
  return decl.test(attrs);
}
