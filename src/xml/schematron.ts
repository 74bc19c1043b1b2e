import { XmlDocument, XmlElement, XmlXPath, type NamespaceMap, type XmlNode } from 'libxml2-wasm';
import type { Finding, Severity } from '../core/finding.js';
import { SamsvarError } from '../core/samsvar-error.js';
import { SAFE_PARSE } from './profile-resolver.js';

const SCH_NS = 'http://purl.oclc.org/dsdl/schematron';

type MessagePart = string | { kind: 'value-of'; xpath: XmlXPath } | { kind: 'name'; xpath: XmlXPath | null };

interface CompiledCheck {
  kind: 'assert' | 'report';
  id: string;
  severity: Severity;
  see?: string;
  /** The test as written, variables folded in. */
  test: string;
  message: MessagePart[];
  /** The bokmål text, from a `sch:diagnostic` with xml:lang nb (or no) the check names in `diagnostics`. */
  messageNb?: MessagePart[];
}

interface CompiledRule {
  context: XmlXPath;
  checks: CompiledCheck[];
  /**
   * Every check's test in one expression, `concat(number(boolean(t1)), …)`, giving "1"/"0" per
   * check: libxml2-wasm pays a fixed cost per evaluation, so one call per context node, not one per test.
   */
  tests: XmlXPath | null;
}

interface CompiledPattern {
  id?: string;
  rules: CompiledRule[];
}

/** A node located by a rule, for the caller to turn into a line:column and a readable XPath. */
export interface RuleHit {
  node: XmlNode;
  finding: Omit<Finding, 'line' | 'column' | 'xpath'>;
}

const ROLE_SEVERITY: Record<string, Severity> = {
  error: 'error',
  fatal: 'error',
  warning: 'warning',
  warn: 'warning',
  information: 'information',
  info: 'information',
};

function schElements(parent: XmlElement, local: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (let c = parent.firstChild; c; c = c.next) {
    if (c instanceof XmlElement && c.name === local && c.namespaceUri === SCH_NS) out.push(c);
  }
  return out;
}

function attr(el: XmlElement, name: string): string | undefined {
  return el.attr(name)?.value;
}

/** XPath 1.0 has no string escapes: quote with whichever quote the value lacks, or build it with concat(). */
function xpathLiteral(s: string): string {
  if (!s.includes("'")) return `'${s}'`;
  if (!s.includes('"')) return `"${s}"`;
  return `concat(${s.split("'").map((p) => `'${p}'`).join(`, "'", `)})`;
}

/** Replaces $name references outside string literals. */
function substituteVariables(expr: string, vars: Map<string, string>): string {
  if (!vars.size || !expr.includes('$')) return expr;
  let out = '';
  let quote: string | null = null;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (quote) {
      out += c;
      if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      out += c;
      continue;
    }
    if (c === '$') {
      const m = /^[A-Za-z_][\w.-]*/.exec(expr.slice(i + 1));
      if (m && vars.has(m[0])) {
        out += vars.get(m[0]);
        i += m[0].length;
        continue;
      }
    }
    out += c;
  }
  return out;
}

/** An XSLT match pattern (`Ident`, `a/b`, `@V`, `a|b`) as an XPath selecting every node it matches. */
function matchPatternToXPath(pattern: string): string {
  const alternatives: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') depth--;
    else if (c === '|' && depth === 0) {
      alternatives.push(pattern.slice(start, i));
      start = i + 1;
    }
  }
  alternatives.push(pattern.slice(start));
  return alternatives
    .map((a) => a.trim())
    .map((a) => (a.startsWith('/') ? a : `//${a}`))
    .join(' | ');
}

function nodeName(node: XmlNode): string {
  return (node as XmlElement).name ?? '';
}

/**
 * An ISO Schematron schema (XPath 1.0 query binding) compiled once: every XPath is compiled with
 * libxml2, `let` variables are folded into the expressions, abstract rules are expanded.
 */
export class CompiledSchematron {
  private constructor(
    readonly source: string,
    private readonly patterns: CompiledPattern[],
    private readonly xpaths: XmlXPath[],
  ) {}

  static compile(bytes: Uint8Array, source: string): CompiledSchematron {
    let doc: XmlDocument;
    try {
      doc = XmlDocument.fromBuffer(bytes, { option: SAFE_PARSE });
    } catch (e) {
      throw new SamsvarError('profile_invalid', `${source} is not well-formed XML: ${(e as Error).message.trim()}`);
    }
    // Compiled XPaths live in wasm memory: if the schema turns out invalid half way, free them.
    const made: XmlXPath[] = [];
    try {
      const root = doc.root;
      if (root.name !== 'schema' || root.namespaceUri !== SCH_NS) {
        throw new SamsvarError('profile_invalid', `${source}: root element must be sch:schema in ${SCH_NS}`);
      }
      const binding = attr(root, 'queryBinding')?.toLowerCase();
      if (binding && !['xslt', 'xpath', 'xslt1', 'xpath1'].includes(binding)) {
        throw new SamsvarError('profile_invalid', `${source}: queryBinding "${binding}" is not supported; samsvar evaluates XPath 1.0 (xslt)`);
      }
      const ns: NamespaceMap = {};
      for (const n of schElements(root, 'ns')) ns[attr(n, 'prefix') ?? ''] = attr(n, 'uri') ?? '';

      const compileXPath = (expr: string, where: string): XmlXPath => {
        try {
          // libxml2-wasm registers every prefix of the map at each evaluation: pass only those the expression uses.
          const used = Object.fromEntries(Object.entries(ns).filter(([prefix]) => new RegExp(`(^|[^\\w.-])${prefix.replace(/[.]/g, '\\.')}:`).test(expr)));
          const xpath = XmlXPath.compile(expr, used);
          made.push(xpath);
          return xpath;
        } catch (e) {
          throw new SamsvarError('profile_invalid', `${source}: ${where}: XPath "${expr}" does not compile: ${(e as Error).message.trim()}`);
        }
      };

      // Schema- and pattern-level lets are evaluated on the document: only absolute paths or atomic values make sense there.
      const globalLets = new Map<string, string>();
      const addLets = (el: XmlElement, into: Map<string, string>) => {
        for (const l of schElements(el, 'let')) {
          const name = attr(l, 'name');
          const value = attr(l, 'value');
          if (!name || value === undefined) throw new SamsvarError('profile_invalid', `${source}: sch:let needs name and value`);
          into.set(name, `(${substituteVariables(value, into)})`);
        }
      };
      addLets(root, globalLets);

      const abstractRules = new Map<string, XmlElement>();
      for (const p of schElements(root, 'pattern')) {
        for (const r of schElements(p, 'rule')) if (attr(r, 'abstract') === 'true' && attr(r, 'id')) abstractRules.set(attr(r, 'id')!, r);
      }

      // ISO Schematron diagnostics: here, the texts in other languages a check points at (`diagnostics="id …"`).
      const diagnostics = new Map<string, XmlElement>();
      for (const ds of schElements(root, 'diagnostics')) for (const d of schElements(ds, 'diagnostic')) if (attr(d, 'id')) diagnostics.set(attr(d, 'id')!, d);

      const compileMessage = (el: XmlElement, vars: Map<string, string>, id: string): MessagePart[] => {
        const message: MessagePart[] = [];
        for (let m = el.firstChild; m; m = m.next) {
          if (m instanceof XmlElement && m.namespaceUri === SCH_NS && m.name === 'value-of') {
            message.push({ kind: 'value-of', xpath: compileXPath(`string(${substituteVariables(attr(m, 'select') ?? '.', vars)})`, id) });
          } else if (m instanceof XmlElement && m.namespaceUri === SCH_NS && m.name === 'name') {
            const p = attr(m, 'path');
            message.push({ kind: 'name', xpath: p ? compileXPath(`name(${substituteVariables(p, vars)})`, id) : null });
          } else {
            message.push(m.content);
          }
        }
        return message;
      };

      const bokmalDiagnostic = (check: XmlElement, id: string): XmlElement | undefined => {
        const named = (attr(check, 'diagnostics') ?? '').split(/\s+/).filter(Boolean).map((ref) => {
          const d = diagnostics.get(ref);
          if (!d) throw new SamsvarError('profile_invalid', `${source}: ${id} names diagnostic "${ref}", which the schema does not define`);
          return d;
        });
        return named.find((d) => /^(nb|no)(-|$)/.test((d.attr('lang', 'xml')?.value ?? '').toLowerCase()));
      };

      const seenIds = new Set<string>();
      const compileChecks = (ruleEl: XmlElement, vars: Map<string, string>, out: CompiledCheck[], seen: Set<XmlElement>) => {
        for (let c = ruleEl.firstChild; c; c = c.next) {
          if (!(c instanceof XmlElement) || c.namespaceUri !== SCH_NS) continue;
          if (c.name === 'extends') {
            const target = abstractRules.get(attr(c, 'rule') ?? '');
            if (!target) throw new SamsvarError('profile_invalid', `${source}: sch:extends names unknown abstract rule "${attr(c, 'rule')}"`);
            if (seen.has(target)) continue;
            seen.add(target);
            compileChecks(target, vars, out, seen);
            continue;
          }
          if (c.name !== 'assert' && c.name !== 'report') continue;
          const id = attr(c, 'id');
          const test = attr(c, 'test');
          if (!id) throw new SamsvarError('profile_invalid', `${source}: every sch:${c.name} needs an id (it becomes the finding's rule id); test="${test}" has none`);
          if (!test) throw new SamsvarError('profile_invalid', `${source}: sch:${c.name} ${id} has no test`);
          seenIds.add(id);
          const roleText = (attr(c, 'role') ?? attr(c, 'flag') ?? 'error').toLowerCase();
          const severity = ROLE_SEVERITY[roleText];
          if (!severity) throw new SamsvarError('profile_invalid', `${source}: ${id} has role/flag "${roleText}"; use error, warning or information`);
          const message = compileMessage(c, vars, id);
          const nb = bokmalDiagnostic(c, id);
          const folded = substituteVariables(test, vars);
          compileXPath(folded, id); // compiled alone first, so that an error names this check
          out.push({ kind: c.name, id, severity, see: attr(c, 'see'), test: folded, message, ...(nb ? { messageNb: compileMessage(nb, vars, id) } : {}) });
        }
      };

      const patterns: CompiledPattern[] = [];
      for (const p of schElements(root, 'pattern')) {
        if (attr(p, 'abstract') === 'true') throw new SamsvarError('profile_invalid', `${source}: abstract patterns are not supported`);
        const patternLets = new Map(globalLets);
        addLets(p, patternLets);
        const rules: CompiledRule[] = [];
        for (const r of schElements(p, 'rule')) {
          if (attr(r, 'abstract') === 'true') continue;
          const context = attr(r, 'context');
          if (!context) throw new SamsvarError('profile_invalid', `${source}: a sch:rule has no context`);
          const vars = new Map(patternLets);
          addLets(r, vars);
          const checks: CompiledCheck[] = [];
          compileChecks(r, vars, checks, new Set());
          const flags = checks.map((c) => `number(boolean(${c.test}))`);
          const tests = !flags.length ? null : compileXPath(flags.length === 1 ? `string(${flags[0]})` : `concat(${flags.join(', ')})`, `rule context ${context}`);
          rules.push({ context: compileXPath(matchPatternToXPath(substituteVariables(context, patternLets)), `rule context ${context}`), checks, tests });
        }
        patterns.push({ id: attr(p, 'id'), rules });
      }
      return new CompiledSchematron(source, patterns, made);
    } catch (e) {
      for (const xpath of made) xpath.dispose();
      throw e;
    } finally {
      doc.dispose();
    }
  }

  /** Frees the compiled XPaths; the schema cannot run afterwards. */
  dispose(): void {
    for (const xpath of this.xpaths) xpath.dispose();
  }

  /** Runs every pattern over the document. Within a pattern a node is handled by the first rule whose context matches it. */
  run(doc: XmlDocument): RuleHit[] {
    const hits: RuleHit[] = [];
    for (const pattern of this.patterns) {
      const handled = new Set<number>();
      for (const rule of pattern.rules) {
        for (const node of doc.find(rule.context)) {
          const key = (node as unknown as { _nodePtr: number })._nodePtr;
          if (handled.has(key)) continue;
          handled.add(key);
          if (!rule.tests) continue;
          const flags = String(node.eval(rule.tests));
          rule.checks.forEach((check, i) => {
            const result = flags[i] === '1';
            if (check.kind === 'assert' ? result : !result) return;
            hits.push({
              node,
              finding: {
                ruleId: check.id,
                severity: check.severity,
                layer: 'rule',
                message: this.message(check, node),
                ...(check.see ? { reference: check.see } : {}),
                ...(check.messageNb ? { messageNb: this.render(check.messageNb, node) } : {}),
              },
            });
          });
        }
      }
    }
    return hits;
  }

  private message(check: CompiledCheck, node: XmlNode): string {
    return this.render(check.message, node) || `${check.kind === 'assert' ? 'Assertion failed' : 'Report'}: ${check.test}`;
  }

  private render(parts: MessagePart[], node: XmlNode): string {
    return parts
      .map((part) => {
        if (typeof part === 'string') return part;
        if (part.kind === 'value-of') return String(node.eval(part.xpath));
        return part.xpath ? String(node.eval(part.xpath)) : nodeName(node);
      })
      .join('')
      .replace(/\s+/g, ' ')
      .trim();
  }
}
