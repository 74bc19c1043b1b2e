import type { RouteModule } from './app.js';
import type { ServerConfig } from './config.js';

/**
 * Route modules of features built on the core service (declarations, registry, transparency log …),
 * mounted by `npm start` and `samsvar serve`. A feature that needs setup before listening (a signing
 * key) does it here, so a problem stops the start. Add a feature with one line.
 */
export async function featureModules(_config: ServerConfig): Promise<RouteModule[]> {
  return [];
}
