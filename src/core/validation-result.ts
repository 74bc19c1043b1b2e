/** What validating one artifact gives: the shapes the engine and its format validators share. */
import type { Finding } from './finding.js';

export type ArtifactFormat = 'xml' | 'fhir';

export interface ValidationResult {
  format: ArtifactFormat;
  /** The profile validated against; null when none could be picked (then findings say why). */
  profile: string | null;
  profileVersion?: string;
  /** SHA-256 of the exact profile content (see LoadedProfile.sha256). */
  profileSha256?: string;
  /** How the profile was chosen, e.g. "given" or "detected from root namespace … and MsgInfo/Type DIALOG_FORESPORSEL". */
  detection: string;
  /** No finding of severity error. */
  valid: boolean;
  findings: Finding[];
}

export interface ValidateOptions {
  profile?: string;
  /** Taken from the content type or file extension; sniffed from the first byte otherwise. */
  format?: ArtifactFormat;
}

/** What a format-specific validator returns; the engine fills in `format` and `valid`. */
export type FormatResult = Omit<ValidationResult, 'format' | 'valid'>;
