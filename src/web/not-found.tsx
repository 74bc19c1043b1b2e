import { pageResponse } from './html-response.js';
import { Layout } from './layout.js';
import { problemNb } from './problem-nb.js';

/** A page for a link that leads nowhere. */
export function notFoundPage(what: string): Response {
  return pageResponse(
    <Layout title="Fant ikke siden" section="forside">
      <h1>Fant ikke siden</h1>
      <p>{what}</p>
      <p>
        <a href="/">Til forsiden</a>
      </p>
    </Layout>,
    { status: 404 },
  );
}

/** The page a person gets for a request the service refused or failed, with the refusal's status; the English detail stays in the API. */
export function errorPage(err: unknown, status: number, headers: Record<string, string> = {}): Response {
  return pageResponse(
    <Layout title="Det gikk ikke" section="forside">
      <h1>Det gikk ikke</h1>
      <p>{problemNb(err)}</p>
      <p>
        <a href="/">Til forsiden</a>
      </p>
    </Layout>,
    { status, headers },
  );
}
