/** The five characters markup gives meaning to, as entities that mean the same in HTML and XML. */
export function escapeMarkup(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * Characters XML 1.0 cannot carry at all (C0 controls other than tab and line breaks, U+FFFE/U+FFFF,
 * lone surrogates): vendor text, message values and findings may hold them, and one such character
 * makes a whole document ill-formed for every reader.
 */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text for an XML document: characters XML cannot carry become U+FFFD, then markup is escaped. */
export function xmlText(s: string): string {
  return escapeMarkup(s.replace(NOT_XML_CHAR, '\uFFFD'));
}
