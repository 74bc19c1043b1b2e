/**
 * Responses carry what vendors sent (a stored XML message may hold XHTML with a script) and are
 * read by administrators in a browser: nothing this origin serves may run script, be framed or be
 * content-sniffed. A route that renders HTML sets its own, less strict policy, which is kept.
 */
export const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox",
};

/**
 * HTML renderings of declarations and procurement annexes carry text from vendors and
 * administrators: no script may run, whatever slips through; inline styles only.
 */
export const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
};

/**
 * Applied once, by the app's outermost middleware, to every response: API, pages, errors and
 * not-found alike. A route's own policy is kept, but never without frame-ancestors: no page of this
 * origin may be framed by another (clickjacking), whatever policy its route chose.
 */
export function withSecurityHeaders(res: Response): Response {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) if (!res.headers.has(name)) res.headers.set(name, value);
  const csp = res.headers.get('content-security-policy')!;
  if (!/(^|;)\s*frame-ancestors\s/i.test(csp))
    res.headers.set('content-security-policy', `${csp.replace(/;?\s*$/, '')}; frame-ancestors 'none'`);
  return res;
}
