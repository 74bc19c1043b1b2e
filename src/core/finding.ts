/** One thing the engine has to say about a document. The same shape serves XML and FHIR. */
export type Severity = 'error' | 'warning' | 'information';

/**
 * Which check produced the finding. XML uses syntax, schema, rule, codelist, identifier;
 * FHIR uses syntax, structure, profile, terminology, invariant, identifier; test-case
 * assertions use testcase. `privacy` is data protection, not conformance: it never decides a
 * verdict, but the service refuses to store what it flags.
 */
export type Layer =
  'syntax' | 'schema' | 'rule' | 'codelist' | 'identifier' | 'structure' | 'profile' | 'terminology' | 'invariant' | 'testcase' | 'privacy';

export interface Finding {
  ruleId: string;
  severity: Severity;
  layer: Layer;
  message: string;
  /** 1-based; absent only when the finding concerns the whole document. */
  line?: number;
  column?: number;
  /** XPath of the node (XML documents). */
  xpath?: string;
  /** FHIRPath of the element (FHIR resources). */
  path?: string;
  /** Clause of the standard the rule enforces, so the vendor can read the requirement. */
  reference?: string;
  /** The message in bokmål, where the rule has one (pages show it; the API's `message` is English). */
  messageNb?: string;
}

export const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, information: 2 };

/** A finding that the artifact probably holds a real person's identity number (ID-PERSON-REAL). */
export function holdsRealPersonNumber(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.layer === 'privacy');
}

export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

/** Stable order for reports: by position, then severity, then rule. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) =>
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      a.ruleId.localeCompare(b.ruleId),
  );
}

/** Most findings one document reports: a message with a million wrong elements must not become a response, or a stored submission, of hundreds of megabytes. */
export const MAX_FINDINGS = 1000;

/** Keeps at most `max` items, the most severe first, so that the verdict stays right; says how many were left out. */
export function mostSevereFirst<T extends { severity: Severity }>(items: T[], max = MAX_FINDINGS): { kept: T[]; omitted: number } {
  if (items.length <= max) return { kept: items, omitted: 0 };
  return {
    kept: [...items].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]).slice(0, max),
    omitted: items.length - max,
  };
}
