import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Authenticator } from '../auth/authenticator.js';
import { actorOf, type Principal } from '../auth/principal.js';
import { setValidationClient } from '../pool/validation-client.js';
import { SESSION_HOURS, type SessionStore } from './session-store.js';

const COOKIE = 'samsvar_sesjon';
/** Over TLS the cookie gets the __Host- prefix: Secure, Path=/, no Domain, so no subdomain can set or read it. */
const SECURE_COOKIE = `__Host-${COOKIE}`;

export interface SignedIn {
  principal: Principal;
  csrf: string;
}

function overTls(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}

function cookieValue(c: Context): string | undefined {
  return getCookie(c, SECURE_COOKIE) ?? getCookie(c, COOKIE);
}

/** Sign-in, sign-out and who is signed in, for the pages. The API keeps its bearer tokens. */
export class WebSessions {
  constructor(
    private readonly store: SessionStore,
    private readonly authenticator: Authenticator,
  ) {}

  /**
   * Checks the token and starts a session; returns the principal and the Set-Cookie header for the
   * response: HttpOnly, SameSite=Strict, and Secure with the __Host- prefix over TLS.
   */
  async signIn(c: Context, token: string): Promise<{ principal: Principal; setCookie: string }> {
    const principal = await this.authenticator.fromToken(token);
    const { id } = await this.store.start(token);
    const secure = overTls(c);
    const setCookie = `${secure ? SECURE_COOKIE : COOKIE}=${id}; Max-Age=${SESSION_HOURS * 3600}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
    return { principal, setCookie };
  }

  /** Ends the session; returns the Set-Cookie header that clears the cookie. */
  async signOut(c: Context): Promise<string> {
    const id = cookieValue(c);
    if (id) await this.store.end(id);
    const secure = overTls(c);
    return `${secure ? SECURE_COOKIE : COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
  }

  /** The signed-in principal, or null (no cookie, an expired session, or a token revoked since). */
  async current(c: Context): Promise<SignedIn | null> {
    const id = cookieValue(c);
    if (!id || id.length > 100) return null;
    const session = await this.store.find(id);
    if (!session) return null;
    try {
      const principal = await this.authenticator.fromTokenHash(session.tokenSha256);
      // A signed-in person's validations count for their vendor (or role), as through the API.
      setValidationClient(actorOf(principal));
      return { principal, csrf: session.csrf };
    } catch {
      return null;
    }
  }
}

/** A form's CSRF field matches its session's token (constant time). */
export function csrfMatches(signedIn: SignedIn, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(signedIn.csrf);
  return a.length === b.length && timingSafeEqual(a, b);
}
