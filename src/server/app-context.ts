import type { Authenticator } from '../auth/authenticator.js';
import type { ValidationPool } from '../pool/validation-pool.js';
import type { ProfileCatalog } from '../profiles/catalog.js';
import type { ProfileSync } from '../runs/profile-sync.js';
import type { RunService } from '../runs/run-service.js';
import type { TestcaseSuite } from '../runs/testcase-suite.js';
import type { Database } from '../storage/database.js';
import type { Repository } from '../storage/repository.js';
import type { ServerConfig } from './config.js';
import type { Log } from './json-log.js';

/** Everything a route module may use. Route modules stay thin: they call domain services. */
export interface AppContext {
  config: ServerConfig;
  database: Database;
  repo: Repository;
  /** Validates off the request thread (worker threads), with the Engine's validate() contract. */
  engine: ValidationPool;
  catalog: ProfileCatalog;
  /** Keeps the catalog as the database has it (imported versions and which one is served); every request refreshes it first. */
  profileSync: ProfileSync;
  testcases: TestcaseSuite;
  runs: RunService;
  authenticator: Authenticator;
  version: string;
  /** Operator-facing log (JSON lines in production, src/server/json-log.ts); fields never hold message content. */
  log: Log;
}

/** Work the service does on its own while it runs (e.g. the status sweep); stopped before the database closes. */
export type BackgroundTask = (ctx: AppContext) => { stop(): Promise<void> };
