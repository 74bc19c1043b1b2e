import type { WebPages } from '../server/page-module.js';
import type { DeclarationFeature } from '../server/routes/declaration-context.js';
import { adminPages } from './admin-pages.js';
import { errorPage, notFoundPage } from './not-found.js';
import { publicPages } from './public-pages.js';
import type { RevalidationFeature } from '../server/routes/revalidation-context.js';
import { revalidationPages } from './revalidation-pages.js';
import { sameOriginForms } from './same-origin-forms.js';
import { vendorPages } from './vendor-pages.js';

/** Every web page the service serves (public, vendor, administrator), over the declaration feature (and re-validation, when it runs). */
export function webPages(feature: DeclarationFeature, revalidations?: RevalidationFeature): WebPages {
  return {
    // The origin check first: middleware runs only before the handlers registered after it.
    pageModules: [
      sameOriginForms(),
      publicPages(feature),
      vendorPages(feature),
      adminPages(feature),
      ...(revalidations ? [revalidationPages(revalidations)] : []),
    ],
    notFoundPage: () => notFoundPage('Adressen finnes ikke her.'),
    errorPage,
  };
}
