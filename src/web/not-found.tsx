import { pageResponse } from './html-response.js';
import { Layout } from './layout.js';

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
