import type { XmlDocument, XmlNode } from 'libxml2-wasm';
import type { Finding } from '../core/finding.js';
import type { ParsedXml, XmlLocation } from '../xml/read-xml.js';
import type { XPathAssertion } from './testcase.js';

/** A message with many failing nodes gets this many findings per assertion, then a summary. */
const MAX_FINDINGS_PER_ASSERTION = 20;

type XPathValue = XmlNode[] | string | boolean | number;

/** XPath 1.0's boolean() of a result. */
function truthy(v: XPathValue): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  if (typeof v === 'string') return v.length > 0;
  return v;
}

/** XPath 1.0's string() of a result, shortened for a message. */
function asText(v: XPathValue): string {
  let s: string;
  if (Array.isArray(v)) s = v.length === 0 ? '' : v[0].content;
  else s = String(v);
  s = s.replace(/\s+/g, ' ').trim();
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function failure(a: XPathAssertion, message: string, where: XmlLocation): Finding {
  return {
    ruleId: a.id,
    severity: a.severity ?? 'error',
    layer: 'testcase',
    message,
    ...where,
    ...(a.reference ? { reference: a.reference } : {}),
  };
}

function evaluate(target: XmlDocument | XmlNode, expr: string, ns: Record<string, string>): XPathValue {
  return target.eval(expr, ns) as XPathValue;
}

/**
 * Evaluates XPath assertions against the message as the engine parsed it and returns a finding for
 * each one that does not hold (an empty list when all hold), located as the engine locates its
 * own. An expression libxml2 cannot evaluate is reported as a failure of that assertion, naming
 * the expression, rather than thrown: one broken assertion must not hide the others' results.
 */
export function evaluateXPathAssertions(xml: ParsedXml, assertions: readonly XPathAssertion[], namespaces: Record<string, string>): Finding[] {
  const { doc, locate } = xml;
  const findings: Finding[] = [];
  const root = locate(doc.root);
  for (const a of assertions) {
    try {
      if (!a.context) {
        if (!truthy(evaluate(doc, a.xpath, namespaces))) {
          const found = a.actual ? ` (found: '${asText(evaluate(doc, a.actual, namespaces))}')` : '';
          findings.push(failure(a, `${a.message}${found}`, root));
        }
        continue;
      }
      const contexts = evaluate(doc, a.context, namespaces);
      if (!Array.isArray(contexts)) {
        findings.push(failure(a, `${a.message} (test case error: context '${a.context}' does not select nodes)`, root));
        continue;
      }
      if (contexts.length === 0) {
        if (!a.optional) findings.push(failure(a, `${a.message} (nothing found at ${a.context})`, root));
        continue;
      }
      let failed = 0;
      for (const node of contexts) {
        if (truthy(evaluate(node, a.xpath, namespaces))) continue;
        failed++;
        if (failed > MAX_FINDINGS_PER_ASSERTION) continue;
        const found = a.actual ? ` (found: '${asText(evaluate(node, a.actual, namespaces))}')` : '';
        findings.push(failure(a, `${a.message}${found}`, locate(node)));
      }
      if (failed > MAX_FINDINGS_PER_ASSERTION) {
        findings.push(failure(a, `${a.message} (and ${failed - MAX_FINDINGS_PER_ASSERTION} more places)`, root));
      }
    } catch (e) {
      findings.push(failure(a, `${a.message} (test case error: the expression could not be evaluated: ${(e as Error).message})`, root));
    }
  }
  return findings;
}
