import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import { Authenticator } from '../auth/authenticator.js';
import { SamsvarError } from '../core/samsvar-error.js';
import { PACKAGE_ROOT, SHIPPED_TESTCASES_DIR } from '../core/paths.js';
import { HostAllowlist } from '../live/host-allowlist.js';
import { ValidationPool } from '../pool/validation-pool.js';
import { engineSettingsFromEnv } from '../engine/engine-settings.js';
import { loadCatalog, type ProfileCatalog } from '../profiles/catalog.js';
import { loadProfileTestcases } from '../runs/profile-admin.js';
import { ProfileSync } from '../runs/profile-sync.js';
import { DeclarationStore } from '../registry/declaration-store.js';
import { RunService } from '../runs/run-service.js';
import { testcaseSuite } from '../runs/testcase-suite-adapter.js';
import type { TestcaseSuite } from '../runs/testcase-suite.js';
import { openDatabase } from '../storage/database.js';
import { MIGRATIONS, type SamsvarMigration } from '../storage/migrations/index.js';
import { ProfilePackageStore } from '../storage/profile-package-store.js';
import { Repository } from '../storage/repository.js';
import { loadTestcases } from '../testcases/index.js';
import { shippedEvidenceOf } from '../testcases/shipped-evidence.js';
import { createApp } from './app.js';
import { answerClientError } from './client-error.js';
import type { RouteModule } from './api-router.js';
import type { AppContext, BackgroundTask } from './app-context.js';
import type { ServerConfig } from './config.js';
import type { WebPages } from './page-module.js';
import { usersOf } from '../profiles/used-profiles.js';

export interface StartOptions {
  catalog?: ProfileCatalog;
  /** Test cases; the shipped ones when absent. */
  testcases?: TestcaseSuite;
  routeModules?: RouteModule[];
  /** Web pages (server-rendered HTML in bokmål). */
  pages?: WebPages;
  migrations?: Record<string, SamsvarMigration>;
  /** Listen address; default config.host (HOST), else all interfaces. */
  hostname?: string;
  log?: (message: string) => void;
  /** How long in-flight requests may take to finish on close (default 30 s). */
  shutdownGraceMs?: number;
  /** Started once the service listens; close() stops them (awaiting work in progress) before the database closes. */
  backgroundTasks?: BackgroundTask[];
}

export interface RunningService {
  url: string;
  port: number;
  ctx: AppContext;
  server: ServerType;
  app: Hono;
  /** Stops accepting connections, lets in-flight requests finish, then stops the validation workers and closes the database. */
  close(): Promise<void>;
}

export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** Builds the application context: profiles, engine, test cases, database (migrated) and services. */
export async function buildContext(config: ServerConfig, opts: StartOptions = {}): Promise<AppContext> {
  const catalog = opts.catalog ?? loadCatalog({ importedDir: path.join(config.dataDir, 'profiles') });
  // Validation runs on worker threads: a 25 MB message must not hold up every other request.
  const engine = new ValidationPool(catalog, {
    workers: config.validationWorkers,
    timeoutMs: config.validationTimeoutMs,
    timeoutMsPerMiB: config.validationTimeoutMsPerMiB,
    maxQueued: config.validationQueue,
    // A body the service accepts is read to a verdict: one size limit, not a second one in the engine.
    settings: { ...engineSettingsFromEnv(), maxJsonBytes: config.maxBodyBytes },
  });
  // A bad pattern stops the start here rather than failing the first live run.
  const liveHosts = HostAllowlist.parse(config.fhirAllowedHosts);
  const testcases =
    opts.testcases ??
    testcaseSuite([...loadTestcases(SHIPPED_TESTCASES_DIR, catalog), ...loadProfileTestcases(catalog)], { engine, liveHosts });
  const database = await openDatabase(config, opts.migrations ?? MIGRATIONS);
  const repo = new Repository(database.db, database.dialect);
  const log = opts.log ?? ((m: string) => console.error(m));
  // Imported profiles come from the database (the data directory only caches them), so every instance serves the same.
  const profileSync = new ProfileSync({
    store: new ProfilePackageStore(database.db),
    catalog,
    testcases,
    profilesRoot: path.join(config.dataDir, 'profiles'),
    reloadEngine: () => engine.reload(),
    log,
  });
  try {
    if (!opts.catalog) await profileSync.adoptLocalVersions(await repo.profiles.profileVersions());
    await profileSync.refresh();
  } catch (e) {
    await engine.close();
    await database.close();
    throw e;
  }
  const usedBy = usersOf(catalog);
  await repo.profiles.recordProfileContents(
    catalog.list().map((p) => ({
      id: p.manifest.id,
      version: p.manifest.version,
      sha256: p.sha256,
      source: p.source,
      usedBy: usedBy.get(p.manifest.id) ?? [],
    })),
  );
  return {
    config,
    database,
    repo,
    engine,
    catalog,
    profileSync,
    testcases,
    // Waivers live with declarations; the run status reads them so a waived finding does not show as failing.
    runs: new RunService({
      repo,
      engine,
      catalog,
      testcases,
      waivers: new DeclarationStore(database.db, database.dialect),
      shipped: shippedEvidenceOf(catalog),
    }),
    authenticator: new Authenticator(repo, config.adminToken),
    version: packageVersion(),
    log,
  };
}

/** Starts the HTTP service; resolves once it listens (port 0 picks a free one). */
export async function startService(config: ServerConfig, opts: StartOptions = {}): Promise<RunningService> {
  const ctx = await buildContext(config, opts);
  const { app } = createApp(ctx, opts.routeModules, opts.pages);
  let server!: ServerType;
  let info: AddressInfo;
  const hostname = opts.hostname ?? config.host;
  try {
    info = await new Promise<AddressInfo>((resolve, reject) => {
      server = serve({ fetch: app.fetch, port: config.port, hostname }, resolve);
      server.once('error', reject);
      server.on('clientError', answerClientError);
    });
  } catch (e) {
    // Nothing listens, so nothing will ever close the database or the validation workers: close them here.
    await ctx.engine.close();
    await ctx.database.close();
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new SamsvarError('conflict', `port ${config.port} is in use; stop what listens there or set PORT`);
    if ((e as NodeJS.ErrnoException).code === 'EACCES')
      throw new SamsvarError('forbidden', `port ${config.port} may not be opened by this user; set PORT to one above 1023`);
    if (['EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL'].includes((e as NodeJS.ErrnoException).code ?? '')) {
      throw new SamsvarError(
        'bad_request',
        `HOST ${hostname} is not an address of this machine; set HOST to one of its addresses, or leave it unset for all`,
      );
    }
    throw e;
  }
  const host = !hostname || hostname === '0.0.0.0' || hostname === '::' ? '127.0.0.1' : hostname.includes(':') ? `[${hostname}]` : hostname;
  const tasks = (opts.backgroundTasks ?? []).map((start) => start(ctx));
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await Promise.all(tasks.map((t) => t.stop()));
      // An HTTP/1.1 server (what serve() starts here) can close idle and hanging connections; others only close.
      const http = 'closeIdleConnections' in server ? server : undefined;
      await new Promise<void>((resolve) => {
        // Keep-alive connections would hold close() open: close each one as soon as its last
        // request has been answered, and cut whatever still hangs after the grace period.
        const sweep = setInterval(() => http?.closeIdleConnections(), 50);
        const deadline = setTimeout(() => http?.closeAllConnections(), opts.shutdownGraceMs ?? 30_000);
        server.close(() => {
          clearInterval(sweep);
          clearTimeout(deadline);
          resolve();
        });
        http?.closeIdleConnections();
      });
      // After the last request has been answered, so no validation in progress is cut off.
      await ctx.engine.close();
      await ctx.database.close();
    })());
  return { url: `http://${host}:${info.port}`, port: info.port, ctx, server, app, close };
}
