import type { ServerConfig } from '../server/config.js';
import { declarationFeature } from '../server/routes/declaration-feature.js';
import { batchedLines, jsonLogger } from '../server/json-log.js';
import { revalidationFeature } from '../server/routes/revalidation-feature.js';
import { startService } from '../server/service.js';
import { webPages } from '../web/web-pages.js';

/**
 * Starts the service and keeps it up until SIGTERM or SIGINT; then it stops accepting connections,
 * lets in-flight requests finish (their transactions commit before they answer), closes the
 * database and resolves with the exit code.
 */
export async function serveUntilSignalled(
  config: () => ServerConfig,
  out: (line: string) => void = (l) => console.log(l),
): Promise<number> {
  const cfg = config();
  const declarations = await declarationFeature(cfg);
  const revalidations = revalidationFeature();
  const service = await startService(cfg, {
    // Structured: one JSON object per line on stderr, for the log collector; stdout keeps the start and stop lines.
    log: jsonLogger(batchedLines((chunk) => process.stderr.write(chunk))),
    routeModules: [...declarations.modules, ...revalidations.modules],
    pages: webPages(declarations.feature, revalidations.feature),
    backgroundTasks: [...declarations.backgroundTasks, ...revalidations.backgroundTasks],
  });
  const where = service.ctx.database.dialect === 'sqlite' ? `SQLite in ${cfg.dataDir}` : 'PostgreSQL';
  out(
    `samsvar ${service.ctx.version} serving on ${cfg.host ?? 'all interfaces'}, port ${service.port} (${where}); API reference at /api/v1/docs`,
  );
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  out(`${signal}: finishing in-flight requests, then closing the database`);
  try {
    await service.close();
    return 0;
  } catch (e) {
    console.error(`shutdown failed: ${(e as Error).message}`);
    return 1;
  }
}
