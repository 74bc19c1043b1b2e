import type { WebPages } from '../server/page-module.js';
import type { DeclarationFeature } from '../server/routes/declaration-context.js';
import { adminPages } from './admin-pages.js';
import { notFoundPage } from './not-found.js';
import { publicPages } from './public-pages.js';
import { vendorPages } from './vendor-pages.js';

/** Every web page the service serves (public, vendor, administrator), over the declaration feature. */
export function webPages(feature: DeclarationFeature): WebPages {
  return {
    pageModules: [publicPages(feature), vendorPages(feature), adminPages(feature)],
    notFoundPage: () => notFoundPage('Adressen finnes ikke her.'),
  };
}
