import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { declarationFeature } from '../../src/server/routes/declaration-feature.js';
import { webPages } from '../../src/web/web-pages.js';
import { dialectsUnderTest } from '../support/databases.js';
import { startTestService, type TestService } from '../support/service.js';

/** The service with its declaration routes and web pages, as `npm start` runs it, on SQLite. */
export async function startWebService(): Promise<TestService> {
  const keysDir = mkdtempSync(path.join(tmpdir(), 'samsvar-web-keys-'));
  const declarations = await declarationFeature(
    { dataDir: keysDir },
    { env: { SAMSVAR_PUBLIC_URL: 'https://samsvar.test', SAMSVAR_SWEEP_SECONDS: '0' } },
  );
  return startTestService(dialectsUnderTest()[0]!, {}, { routeModules: declarations.modules, pages: webPages(declarations.feature) });
}
