import { describe, expect, it } from 'vitest';
import { HTML_HEADERS, withSecurityHeaders } from '../../src/server/security-headers.js';
import { PAGE_CSP } from '../../src/web/html-response.js';

const frameAncestors = (csp: string | null) => /(^|;)\s*frame-ancestors 'none'(;|$)/.test(csp ?? '');

describe('security headers', () => {
  it('forbid framing in every policy a route may choose: pages, HTML renderings and the default', () => {
    expect(frameAncestors(PAGE_CSP)).toBe(true);
    expect(frameAncestors(HTML_HEADERS['content-security-policy'])).toBe(true);
    expect(frameAncestors(withSecurityHeaders(new Response('{}')).headers.get('content-security-policy'))).toBe(true);
  });

  it("keep a route's own policy but add frame-ancestors when it has none", () => {
    const res = withSecurityHeaders(
      new Response('<p>', { headers: { 'content-security-policy': "default-src 'none'; style-src 'self';" } }),
    );
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'self'; frame-ancestors 'none'");
    const own = withSecurityHeaders(
      new Response('<p>', { headers: { 'content-security-policy': "default-src 'none'; frame-ancestors 'self'" } }),
    );
    expect(own.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'self'");
  });
});
