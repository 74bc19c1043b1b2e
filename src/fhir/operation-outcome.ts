/** Findings rendered as a FHIR R4 OperationOutcome, the form FHIR clients expect. */
import type { Finding } from '../core/finding.js';
import { ruleInfo } from '../core/rule-catalogue.js';

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

/** IssueTypes by layer, for rules the catalogue does not know (a profile's own, or test-case assertions). */
const ISSUE_BY_LAYER: Partial<Record<Finding['layer'], string>> = {
  terminology: 'code-invalid',
  identifier: 'value',
  invariant: 'invariant',
  profile: 'processing',
};

/** The IssueType (http://hl7.org/fhir/issue-type) that best names what a rule checks: the rule catalogue's, else the layer's. */
export function issueType(f: Finding): string {
  const info = ruleInfo(f.ruleId);
  // A rule reported on another layer than its usual one (a reference type a profile narrows) is named by that layer.
  const own = info && info.layer === f.layer ? info.issueType : undefined;
  return own ?? ISSUE_BY_LAYER[f.layer] ?? 'structure';
}

export function toOperationOutcome(findings: readonly Finding[]): OperationOutcome {
  if (!findings.length) {
    return {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'information', code: 'informational', diagnostics: 'No issues found' }],
    };
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
