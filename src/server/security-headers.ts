/**
 * Responses carry what vendors sent (a stored XML message may hold XHTML with a script) and are
 * read by administrators in a browser: nothing this origin serves may run script, be framed or be
 * content-sniffed. A route that renders HTML sets its own, less strict policy, which is kept.
 */
const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox",
};

/**
 * HTML renderings of declarations and procurement annexes carry text from vendors and
 * administrators: no script may run, whatever slips through; inline styles only.
 */
export const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
};

/** Applied once, by the app's outermost middleware, to every response: API, pages, errors and not-found alike. */
export function withSecurityHeaders(res: Response): Response {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) if (!res.headers.has(name)) res.headers.set(name, value);
  return res;
}
