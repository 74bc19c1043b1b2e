import { SamsvarError } from '../core/samsvar-error.js';
import { dataDir } from '../core/paths.js';

export interface ServerConfig {
  port: number;
  dataDir: string;
  databaseUrl?: string;
  adminToken?: string;
  maxBodyBytes: number;
  /** Public validations per client address and minute. */
  rateLimitPerMinute: number;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new SamsvarError('bad_request', `${name} must be a positive integer (got '${raw}')`);
  return n;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const adminToken = env.SAMSVAR_ADMIN_TOKEN || undefined;
  if (adminToken && adminToken.length < 16) throw new SamsvarError('bad_request', 'SAMSVAR_ADMIN_TOKEN must be at least 16 characters');
  return {
    port: positiveInt(env, 'PORT', 8080),
    dataDir: dataDir(env),
    databaseUrl: env.DATABASE_URL || undefined,
    adminToken,
    maxBodyBytes: positiveInt(env, 'SAMSVAR_MAX_BODY_BYTES', 25 * 1024 * 1024),
    rateLimitPerMinute: positiveInt(env, 'SAMSVAR_RATE_LIMIT', 60),
  };
}
