import type { Finding } from '../core/finding.js';
import { hasErrors } from '../core/finding.js';
import { SamsvarError } from '../core/samsvar-error.js';
import type { ProfileCatalog } from '../profiles/catalog.js';
import { XmlValidator } from '../xml/xml-validator.js';
import type { FhirValidator } from '../fhir/fhir-validator.js';
import { engineSettingsFromEnv, type EngineSettings } from './engine-settings.js';

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

/**
 * Hostile or unreadable input (a DOCTYPE, invalid UTF-8, malformed markup, excessive size or depth)
 * gets no verdict: callers that answer over the network refuse it with this error, which carries
 * the syntax findings as the reason.
 */
export function unreadableArtifactError(result: ValidationResult): SamsvarError | undefined {
  const syntax = result.findings.filter((f) => f.layer === 'syntax' && f.severity === 'error');
  if (!syntax.length) return undefined;
  const first = syntax[0];
  const what = result.format === 'xml' ? 'XML message' : 'FHIR JSON';
  const code = first.ruleId === 'SYNTAX-SIZE' ? 'payload_too_large' : 'bad_request';
  const at = first.line ? ` (line ${first.line}, column ${first.column ?? 1})` : '';
  return new SamsvarError(code, `The ${what} could not be read: ${first.message}${at}`, { findings: syntax });
}

/**
 * What callers of the engine rely on: the catalog it validates against and validate(). The Engine
 * offers it in process (CLI); the service's ValidationPool offers it off the request thread.
 */
export interface ArtifactValidator {
  readonly catalog: ProfileCatalog;
  validate(input: Uint8Array, opts?: ValidateOptions): Promise<ValidationResult>;
}

/** What a format-specific validator returns; the engine fills in `format` and `valid`. */
export type FormatResult = Omit<ValidationResult, 'format' | 'valid'>;

export function sniffFormat(input: Uint8Array): ArtifactFormat | null {
  let i = 0;
  // Skip a UTF-8 byte order mark and leading whitespace.
  if (input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf) i = 3;
  while (i < input.length && (input[i] === 0x20 || input[i] === 0x09 || input[i] === 0x0a || input[i] === 0x0d)) i++;
  if (input[i] === 0x3c) return 'xml';
  if (input[i] === 0x7b || input[i] === 0x5b) return 'fhir';
  return null;
}

/**
 * The validation engine behind the CLI and the service: one entry point for XML messages and FHIR
 * resources. Validators compile what they need from the catalog once and cache it.
 */
export class Engine implements ArtifactValidator {
  readonly xml: XmlValidator;
  private fhir?: Promise<FhirValidator>;

  constructor(
    readonly catalog: ProfileCatalog,
    readonly settings: EngineSettings = engineSettingsFromEnv(),
  ) {
    this.xml = new XmlValidator(catalog);
  }

  /** The FHIR validator, loaded on first use: its R4 definitions cost start-up time that XML-only runs need not pay. */
  fhirValidator(): Promise<FhirValidator> {
    this.fhir ??= Promise.all([import('../fhir/fhir-validator.js'), import('../fhir/terminology-server.js')]).then(
      ([m, t]) =>
        new m.FhirValidator(this.catalog, {
          unknownExtensions: this.settings.unknownExtensions,
          terminology: this.settings.terminology ? new t.TerminologyServer(this.settings.terminology) : undefined,
        }),
    );
    return this.fhir;
  }

  async validate(input: Uint8Array, opts: ValidateOptions = {}): Promise<ValidationResult> {
    let format = opts.format;
    if (opts.profile) {
      const kind = this.catalog.require(opts.profile).manifest.kind;
      if (format && format !== kind) {
        throw new SamsvarError('unprocessable', `profile ${opts.profile} validates ${kind.toUpperCase()}, but the artifact was sent as ${format.toUpperCase()}`);
      }
      format = kind;
    }
    format ??= sniffFormat(input) ?? undefined;
    if (!format) {
      const finding: Finding = {
        ruleId: 'SYNTAX-FORMAT',
        severity: 'error',
        layer: 'syntax',
        message: 'The content is neither XML (starts with "<") nor FHIR JSON (starts with "{")',
        line: 1,
        column: 1,
      };
      return { format: 'xml', profile: null, detection: 'none: unknown format', valid: false, findings: [finding] };
    }
    const result = format === 'xml' ? this.xml.validate(input, opts.profile) : await (await this.fhirValidator()).validate(input, opts.profile);
    return { format, ...result, valid: !hasErrors(result.findings) };
  }
}
