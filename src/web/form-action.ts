import type { Context } from 'hono';
import { SamsvarError } from '../core/samsvar-error.js';
import { notFoundPage } from './not-found.js';
import { problemNb } from './problem-nb.js';
import { csrfMatches, type SignedIn } from './web-session.js';

export type Form = Record<string, string | File | (string | File)[]>;

export const seeOther = (location: string) => new Response(null, { status: 303, headers: { location } });

/**
 * The posted form, or undefined when it cannot be read (a multipart body whose boundary does not
 * match, a cut-off body) or a text field holds NUL (no name or token does, and PostgreSQL text cannot).
 */
export async function readForm(c: Context): Promise<Form | undefined> {
  let form: Form;
  try {
    form = (await c.req.parseBody({ all: true })) as Form;
  } catch {
    return undefined;
  }
  const texts = Object.entries(form).flatMap(([k, v]) => [k, ...(Array.isArray(v) ? v : [v])]);
  return texts.some((t) => typeof t === 'string' && t.includes('\0')) ? undefined : form;
}

/** A trimmed text field of a posted form ('' when absent or not text). */
export function field(form: Form, name: string, max = 500): string {
  const v = form[name];
  return typeof v === 'string' ? v.trim().slice(0, max) : '';
}

/** Every value of a repeated field (checkboxes, rows), in order. */
export function fields(form: Form, name: string): string[] {
  const v = form[name];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) => (typeof x === 'string' ? x.trim() : ''));
}

/**
 * A POST from a signed-in page: who (or a redirect to sign in), the session's CSRF token, then the
 * action. A refusal from the domain is shown on the page in bokmål with a fitting status.
 */
export function formAction(
  who: (c: Context) => Promise<SignedIn | Response>,
  handle: (c: Context, s: SignedIn, form: Form) => Promise<Response>,
  onProblem: (c: Context, s: SignedIn, problem: string, status: number) => Promise<Response>,
) {
  // The page a refusal is shown on may itself be someone else's (another vendor's run): then it is not found.
  const refuse = async (c: Context, s: SignedIn, problem: string, status: number): Promise<Response> => {
    try {
      return await onProblem(c, s, problem, status);
    } catch (e) {
      if (e instanceof SamsvarError && e.code === 'not_found') return notFoundPage('Fant ikke det du ba om.');
      throw e;
    }
  };
  return async (c: Context): Promise<Response> => {
    const s = await who(c);
    if (s instanceof Response) return s;
    const form = await readForm(c);
    if (!form) return refuse(c, s, 'Skjemaet kunne ikke leses.', 400);
    if (!csrfMatches(s, form._csrf))
      return refuse(c, s, 'Skjemaet er utløpt eller kom ikke fra denne siden. Last siden på nytt og prøv igjen.', 403);
    try {
      return await handle(c, s, form);
    } catch (e) {
      if (e instanceof SamsvarError && e.code === 'not_found') return notFoundPage('Fant ikke det du ba om.');
      if (!(e instanceof SamsvarError)) throw e;
      return refuse(c, s, problemNb(e), e.code === 'forbidden' ? 403 : e.code === 'conflict' ? 409 : 422);
    }
  };
}
