/** Findings rendered as a FHIR R4 OperationOutcome, the form FHIR clients expect. */
import type { Finding } from '../core/finding.js';

const LINE_EXT = 'http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-line';
const COL_EXT = 'http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-col';

export interface OperationOutcomeIssue {
  severity: 'fatal' | 'error' | 'warning' | 'information';
  code: string;
  details?: { coding: { code: string }[]; text?: string };
  diagnostics: string;
  expression?: string[];
  extension?: { url: string; valueInteger: number }[];
}

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: OperationOutcomeIssue[];
}

/** The IssueType (http://hl7.org/fhir/issue-type) that best names what a rule checks. */
export function issueType(f: Finding): string {
  const r = f.ruleId;
  if (r === 'SYNTAX-SIZE') return 'too-long';
  if (r === 'SYNTAX-DEPTH') return 'too-costly';
  if (f.layer === 'syntax') return 'structure';
  if (r === 'FHIR-CARDINALITY-MIN') return 'required';
  if (r.startsWith('FHIR-INVARIANT-')) return 'invariant';
  if (r.startsWith('FHIR-EXT-')) return 'extension';
  if (r === 'FHIR-PROFILE-UNKNOWN') return 'not-supported';
  if (f.layer === 'terminology') return 'code-invalid';
  if (r === 'FHIR-FIXED' || r === 'FHIR-PATTERN' || f.layer === 'identifier') return 'value';
  if (f.layer === 'invariant') return 'invariant';
  if (r === 'FHIR-STRUCTURE-PRIMITIVE') return 'value';
  return f.layer === 'profile' ? 'processing' : 'structure';
}

export function toOperationOutcome(findings: readonly Finding[]): OperationOutcome {
  if (!findings.length) {
    return { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational', diagnostics: 'No issues found' }] };
  }
  return {
    resourceType: 'OperationOutcome',
    issue: findings.map((f) => {
      const issue: OperationOutcomeIssue = {
        severity: f.layer === 'syntax' && f.severity === 'error' ? 'fatal' : f.severity,
        code: issueType(f),
        details: { coding: [{ code: f.ruleId }], text: f.ruleId },
        diagnostics: f.message,
      };
      if (f.path) issue.expression = [f.path];
      if (f.line !== undefined) {
        issue.extension = [{ url: LINE_EXT, valueInteger: f.line }];
        if (f.column !== undefined) issue.extension.push({ url: COL_EXT, valueInteger: f.column });
      }
      return issue;
    }),
  };
}
