/**
 * How a deployment tunes the engine, read from the environment by the CLI, the service and each
 * validation worker alike (worker threads inherit the environment), so that every verdict of one
 * installation rests on the same settings.
 */
import { SamsvarError } from '../core/samsvar-error.js';

export interface EngineSettings {
  /** FHIR: an extension whose definition is not loaded is an error (as in the HL7 validator) or only a warning. */
  unknownExtensions: 'error' | 'warning';
  /** FHIR: the terminology server that judges codes of large code systems; none when unset. */
  terminology?: { url: string; timeoutMs: number };
  /**
   * FHIR: the largest JSON document read, in bytes. The service's request body limit
   * (SAMSVAR_MAX_BODY_BYTES), so that raising it lets a larger Bundle through to a verdict
   * instead of stopping it at a second, hidden limit.
   */
  maxJsonBytes: number;
}

/** 25 MiB: the service's default body limit. */
export const DEFAULT_MAX_BODY_BYTES = 25 * 1024 * 1024;

export function engineSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): EngineSettings {
  const raw = env.SAMSVAR_FHIR_UNKNOWN_EXTENSIONS || 'error';
  if (raw !== 'error' && raw !== 'warning')
    throw new SamsvarError('bad_request', `SAMSVAR_FHIR_UNKNOWN_EXTENSIONS must be 'error' or 'warning' (got '${raw}')`);
  const url = env.SAMSVAR_TERMINOLOGY_URL || undefined;
  if (url && !/^https?:\/\//.test(url))
    throw new SamsvarError('bad_request', `SAMSVAR_TERMINOLOGY_URL must be an http(s) URL of a FHIR terminology server (got '${url}')`);
  const timeout = Number(env.SAMSVAR_TERMINOLOGY_TIMEOUT_MS || 5000);
  if (!Number.isInteger(timeout) || timeout <= 0)
    throw new SamsvarError(
      'bad_request',
      `SAMSVAR_TERMINOLOGY_TIMEOUT_MS must be a positive integer (got '${env.SAMSVAR_TERMINOLOGY_TIMEOUT_MS}')`,
    );
  const maxJsonBytes = Number(env.SAMSVAR_MAX_BODY_BYTES || DEFAULT_MAX_BODY_BYTES);
  if (!Number.isInteger(maxJsonBytes) || maxJsonBytes <= 0)
    throw new SamsvarError('bad_request', `SAMSVAR_MAX_BODY_BYTES must be a positive integer (got '${env.SAMSVAR_MAX_BODY_BYTES}')`);
  return { unknownExtensions: raw, maxJsonBytes, ...(url ? { terminology: { url, timeoutMs: timeout } } : {}) };
}
