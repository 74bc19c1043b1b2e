/**
 * How a deployment tunes the engine, read from the environment by the CLI, the service and each
 * validation worker alike (worker threads inherit the environment), so that every verdict of one
 * installation rests on the same settings.
 */
import { SamsvarError } from '../core/samsvar-error.js';

export interface EngineSettings {
  /** FHIR: an extension whose definition is not loaded is an error (as in the HL7 validator) or only a warning. */
  unknownExtensions: 'error' | 'warning';
}

export function engineSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): EngineSettings {
  const raw = env.SAMSVAR_FHIR_UNKNOWN_EXTENSIONS || 'error';
  if (raw !== 'error' && raw !== 'warning') throw new SamsvarError('bad_request', `SAMSVAR_FHIR_UNKNOWN_EXTENSIONS must be 'error' or 'warning' (got '${raw}')`);
  return { unknownExtensions: raw };
}
