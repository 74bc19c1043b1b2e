import { SamsvarError } from '../core/samsvar-error.js';
import { dataDir } from '../core/paths.js';
import {
  DEFAULT_QUEUE_PER_WORKER,
  DEFAULT_VALIDATION_TIMEOUT_MS,
  DEFAULT_VALIDATION_TIMEOUT_MS_PER_MIB,
  defaultValidationWorkers,
} from '../pool/validation-pool.js';

export interface ServerConfig {
  port: number;
  /** Listen address (HOST); all interfaces when unset. */
  host?: string;
  dataDir: string;
  databaseUrl?: string;
  adminToken?: string;
  maxBodyBytes: number;
  /** Public validations per client address and minute. */
  rateLimitPerMinute: number;
  /** Validation worker threads (default min(cores, 4)). */
  validationWorkers?: number;
  /** A validation running longer is stopped and refused (default 20 000 ms). */
  validationTimeoutMs?: number;
  /** Added to the time limit per MiB of the message (default 2 000 ms). */
  validationTimeoutMsPerMiB?: number;
  /** Validations that may wait for a worker before more are refused with 503 (default 64 per worker; their bytes are bounded too). */
  validationQueue?: number;
  /** Hosts live FHIR tests may reach (SAMSVAR_FHIR_ALLOWED_HOSTS); empty, the service runs none. */
  fhirAllowedHosts?: string;
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
    host: env.HOST || undefined,
    dataDir: dataDir(env),
    databaseUrl: env.DATABASE_URL || undefined,
    adminToken,
    maxBodyBytes: positiveInt(env, 'SAMSVAR_MAX_BODY_BYTES', 25 * 1024 * 1024),
    rateLimitPerMinute: positiveInt(env, 'SAMSVAR_RATE_LIMIT', 60),
    fhirAllowedHosts: env.SAMSVAR_FHIR_ALLOWED_HOSTS ?? '',
    ...validationFromEnv(env),
  };
}

function validationFromEnv(
  env: NodeJS.ProcessEnv,
): Pick<ServerConfig, 'validationWorkers' | 'validationTimeoutMs' | 'validationTimeoutMsPerMiB' | 'validationQueue'> {
  const validationWorkers = positiveInt(env, 'SAMSVAR_VALIDATION_WORKERS', defaultValidationWorkers());
  return {
    validationWorkers,
    validationTimeoutMs: positiveInt(env, 'SAMSVAR_VALIDATION_TIMEOUT_MS', DEFAULT_VALIDATION_TIMEOUT_MS),
    validationTimeoutMsPerMiB: positiveInt(env, 'SAMSVAR_VALIDATION_TIMEOUT_MS_PER_MIB', DEFAULT_VALIDATION_TIMEOUT_MS_PER_MIB),
    validationQueue: positiveInt(env, 'SAMSVAR_VALIDATION_QUEUE', DEFAULT_QUEUE_PER_WORKER * validationWorkers),
  };
}
