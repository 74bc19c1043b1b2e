import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { declarationFeature } from '../../src/server/routes/declaration-feature.js';
import { revalidationFeature } from '../../src/server/routes/revalidation-feature.js';
import { webPages } from '../../src/web/web-pages.js';
import { dialectsUnderTest, type DialectUnderTest } from '../support/databases.js';
import type { ServerConfig } from '../../src/server/config.js';
import { startTestService, type TestService } from '../support/service.js';

/**
 * The service with its declaration routes and web pages, as `npm start` runs it, on SQLite unless
 * a dialect is given; `revalidations` adds the re-validation routes, pages and background task.
 */
export async function startWebService(
  opts: { dialect?: DialectUnderTest; revalidations?: boolean; config?: Partial<ServerConfig> } = {},
): Promise<TestService> {
  const keysDir = mkdtempSync(path.join(tmpdir(), 'samsvar-web-keys-'));
  const declarations = await declarationFeature(
    { dataDir: keysDir },
    { env: { SAMSVAR_PUBLIC_URL: 'https://samsvar.test', SAMSVAR_SWEEP_SECONDS: '0' } },
  );
  const revalidations = opts.revalidations ? revalidationFeature() : undefined;
  return startTestService(opts.dialect ?? dialectsUnderTest()[0]!, opts.config ?? {}, {
    routeModules: [...declarations.modules, ...(revalidations?.modules ?? [])],
    ...(revalidations ? { backgroundTasks: revalidations.backgroundTasks } : {}),
    pages: webPages(declarations.feature, revalidations?.feature),
  });
}
