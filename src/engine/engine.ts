import type { ArtifactFormat, ValidateOptions, ValidationResult } from '../core/validation-result.js';
import { hasErrors } from '../core/finding.js';
import { syntaxFinding } from '../core/rule-catalogue.js';
import { SamsvarError } from '../core/samsvar-error.js';
import type { ProfileCatalog } from '../profiles/catalog.js';
import { XmlValidator } from '../xml/xml-validator.js';
import type { ParsedXml } from '../xml/read-xml.js';
import { isXmlSpace } from '../xml/xml-space.js';
import { isFhirXml } from '../fhir/fhir-xml-sniff.js';
import type { FhirValidator } from '../fhir/fhir-validator.js';
import { engineSettingsFromEnv, type EngineSettings } from './engine-settings.js';
import type { PreparationObserver } from '../core/preparation-observer.js';

export type { ArtifactFormat, FormatResult, ValidateOptions, ValidationResult } from '../core/validation-result.js';

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

/**
 * A look into the artifact after validation, on what the engine read: the parsed XML document
 * (with the engine's locator) or the FHIR resource. Test-case assertions use it.
 */
export interface Inspector<T> {
  /** `profile`: the profile the engine validated against (given or detected). */
  xml(xml: ParsedXml, profile: string): T;
  fhir(resource: unknown): T;
}

export function sniffFormat(input: Uint8Array): ArtifactFormat | null {
  let i = 0;
  // Skip a UTF-8 byte order mark and leading whitespace (XML's and JSON's are the same four characters).
  if (input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf) i = 3;
  while (i < input.length && isXmlSpace(input[i]!)) i++;
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
    private readonly preparation?: PreparationObserver,
  ) {
    this.xml = new XmlValidator(catalog, preparation);
  }

  /** The FHIR validator, loaded on first use: its R4 definitions cost start-up time that XML-only runs need not pay. */
  fhirValidator(): Promise<FhirValidator> {
    this.fhir ??= Promise.all([import('../fhir/fhir-validator.js'), import('../fhir/terminology-server.js')]).then(
      ([m, t]) =>
        new m.FhirValidator(this.catalog, {
          limits: { maxBytes: this.settings.maxJsonBytes },
          unknownExtensions: this.settings.unknownExtensions,
          terminology: this.settings.terminology ? new t.TerminologyServer(this.settings.terminology) : undefined,
        }),
    );
    return this.fhir;
  }

  /** The FHIR validator with its definitions loaded and every FHIR profile compiled (once), as preparation. */
  private async preparedFhirValidator(): Promise<FhirValidator> {
    this.preparation?.start();
    try {
      const fhir = await this.fhirValidator();
      fhir.conformance();
      return fhir;
    } finally {
      this.preparation?.end();
    }
  }

  async validate(input: Uint8Array, opts: ValidateOptions = {}): Promise<ValidationResult> {
    return (await this.validateAndInspect(input, opts)).result;
  }

  /**
   * Validates, then runs `inspector` on the artifact as the engine read it, unless it could not be
   * read (a syntax finding) or no profile fits. XML is parsed once for both.
   */
  async validateAndInspect<T = never>(
    input: Uint8Array,
    opts: ValidateOptions = {},
    inspector?: Inspector<T>,
  ): Promise<{ result: ValidationResult; inspected?: T }> {
    // FHIR's XML format (the root element in FHIR's namespace; KITH's messages are in their own) is FHIR, however it was sent.
    let format = (opts.format ?? sniffFormat(input)) === 'xml' && isFhirXml(input) ? 'fhir' : opts.format;
    if (opts.profile) {
      const kind = this.catalog.require(opts.profile).manifest.kind;
      if (format && format !== kind) {
        throw new SamsvarError(
          'unprocessable',
          `profile ${opts.profile} validates ${kind.toUpperCase()}, but the artifact was sent as ${format.toUpperCase()}`,
        );
      }
      format = kind;
    }
    format ??= sniffFormat(input) ?? undefined;
    if (!format) {
      const finding = syntaxFinding('SYNTAX-FORMAT', 'The content is neither XML (starts with "<") nor JSON (starts with "{")');
      return { result: { format: 'xml', profile: null, detection: 'none: unknown format', valid: false, findings: [finding] } };
    }
    if (format === 'xml') {
      const { inspected, ...result } = this.xml.validate(input, opts.profile, inspector && ((xml, profile) => inspector.xml(xml, profile)));
      return {
        result: { format, ...result, valid: !hasErrors(result.findings) },
        ...(inspector && inspected !== undefined ? { inspected } : {}),
      };
    }
    const { result, resource } = await (await this.preparedFhirValidator()).validateRead(input, opts.profile);
    const readable = result.profile !== null && !result.findings.some((f) => f.layer === 'syntax' && f.severity === 'error');
    // The resource as the FHIR validator read it (JSON or XML), not read again.
    const inspected = inspector && readable && resource ? inspector.fhir(resource()) : undefined;
    return { result: { format, ...result, valid: !hasErrors(result.findings) }, ...(inspected !== undefined ? { inspected } : {}) };
  }
}
