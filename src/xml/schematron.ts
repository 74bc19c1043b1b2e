import { XmlDocument, XmlElement, XmlXPath, type NamespaceMap, type XmlNode } from 'libxml2-wasm';
import type { Finding, Severity } from '../core/finding.js';
import { SamsvarError } from '../core/samsvar-error.js';
import { SAFE_PARSE } from './profile-resolver.js';
import { unsupportedXPathFunctions } from './xpath-functions.js';

const SCH_NS = 'http://purl.oclc.org/dsdl/schematron';

type MessagePart = string | { kind: 'value-of'; xpath: XmlXPath; expr: string } | { kind: 'name'; xpath: XmlXPath | null };

/**
 * A rule-level `let` with an `as` type (ISO Schematron 2020): evaluated once per context node and
 * bound as a value, so tests may use it inside predicates, where the context node has moved on.
 * Untyped lets are folded into the expressions as text (an XPath 1.0 stand-in for a variable).
 */
interface BoundLet {
  name: string;
  kind: 'number' | 'string' | 'boolean';
  xpath: XmlXPath;
}

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
  /** Typed lets: `tests` is then recompiled per context node from `testsText` with their values filled in. */
  bound: BoundLet[];
  testsText: string | null;
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
  return `concat(${s
    .split("'")
    .map((p) => `'${p}'`)
    .join(`, "'", `)})`;
}

/** An XPath 1.0 expression that yields a bound let's value. */
function valueLiteral(kind: BoundLet['kind'], value: unknown): string {
  if (kind === 'boolean') return value ? 'true()' : 'false()';
  if (kind === 'string') return xpathLiteral(String(value));
  const n = Number(value);
  if (Number.isNaN(n)) return '(0 div 0)';
  if (!Number.isFinite(n)) return n > 0 ? '(1 div 0)' : '(-1 div 0)';
  const text = Math.abs(n) < 1e15 && Number.isInteger(n) ? String(n) : n.toFixed(12);
  return `(${text})`;
}

const NUMBER_TYPES = new Set([
  'xs:integer',
  'xs:int',
  'xs:long',
  'xs:decimal',
  'xs:double',
  'xs:float',
  'xs:nonNegativeInteger',
  'xs:positiveInteger',
]);

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

/** libxml2-wasm registers every prefix of the map at each evaluation: pass only those the expression uses. */
function usedNamespaces(expr: string, ns: NamespaceMap): NamespaceMap {
  return Object.fromEntries(
    Object.entries(ns).filter(([prefix]) => new RegExp(`(^|[^\\w.-])${prefix.replace(/[.]/g, '\\.')}:`).test(expr)),
  );
}

/** An expression with every typed let replaced by a value of no consequence, to check that it compiles. */
function withPlaceholders(expr: string, names: Set<string>): string {
  return substituteVariables(expr, new Map([...names].map((n) => [n, '(0)'])));
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
    private readonly ns: NamespaceMap,
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
        throw new SamsvarError(
          'profile_invalid',
          `${source}: queryBinding "${binding}" is not supported; samsvar evaluates XPath 1.0 (xslt)`,
        );
      }
      const ns: NamespaceMap = {};
      for (const n of schElements(root, 'ns')) ns[attr(n, 'prefix') ?? ''] = attr(n, 'uri') ?? '';

      const compileXPath = (expr: string, where: string): XmlXPath => {
        const unsupported = unsupportedXPathFunctions(expr);
        if (unsupported.length) {
          throw new SamsvarError(
            'profile_invalid',
            `${source}: ${where}: XPath "${expr}" calls ${unsupported.map((f) => `${f}()`).join(', ')}, which XPath 1.0 does not have (samsvar evaluates XPath 1.0 only: no document(), current(), key() or extension functions)`,
          );
        }
        try {
          const xpath = XmlXPath.compile(expr, usedNamespaces(expr, ns));
          made.push(xpath);
          return xpath;
        } catch (e) {
          throw new SamsvarError(
            'profile_invalid',
            `${source}: ${where}: XPath "${expr}" does not compile: ${(e as Error).message.trim()}`,
          );
        }
      };

      // Schema- and pattern-level lets are evaluated on the document: only absolute paths or atomic values make sense there.
      const globalLets = new Map<string, string>();
      const addLets = (el: XmlElement, into: Map<string, string>, bound?: BoundLet[]) => {
        const boundText = new Map<string, string>();
        for (const l of schElements(el, 'let')) {
          const name = attr(l, 'name');
          const value = attr(l, 'value');
          if (!name || value === undefined) throw new SamsvarError('profile_invalid', `${source}: sch:let needs name and value`);
          const as = attr(l, 'as');
          if (as === undefined) {
            into.set(name, `(${substituteVariables(value, into)})`);
            continue;
          }
          if (!bound)
            throw new SamsvarError(
              'profile_invalid',
              `${source}: sch:let ${name} has a type (as="${as}"); typed lets are supported in rules only`,
            );
          const kind = NUMBER_TYPES.has(as) ? 'number' : as === 'xs:boolean' ? 'boolean' : 'string';
          // Evaluated at the context node itself, where folding the earlier lets in (typed ones too) is exact.
          const folded = substituteVariables(value, new Map([...into, ...boundText]));
          bound.push({ name, kind, xpath: compileXPath(`${kind}(${folded})`, `sch:let ${name}`) });
          boundText.set(name, `(${folded})`);
          into.delete(name);
        }
      };
      addLets(root, globalLets);

      const abstractRules = new Map<string, XmlElement>();
      for (const p of schElements(root, 'pattern')) {
        for (const r of schElements(p, 'rule')) if (attr(r, 'abstract') === 'true' && attr(r, 'id')) abstractRules.set(attr(r, 'id')!, r);
      }

      // ISO Schematron diagnostics: here, the texts in other languages a check points at (`diagnostics="id …"`).
      const diagnostics = new Map<string, XmlElement>();
      for (const ds of schElements(root, 'diagnostics'))
        for (const d of schElements(ds, 'diagnostic')) if (attr(d, 'id')) diagnostics.set(attr(d, 'id')!, d);
      const bokmalDiagnostic = (check: XmlElement, id: string): XmlElement | undefined => {
        const named = (attr(check, 'diagnostics') ?? '')
          .split(/\s+/)
          .filter(Boolean)
          .map((ref) => {
            const d = diagnostics.get(ref);
            if (!d)
              throw new SamsvarError('profile_invalid', `${source}: ${id} names diagnostic "${ref}", which the schema does not define`);
            return d;
          });
        return named.find((d) => /^(nb|no)(-|$)/.test((d.attr('lang', 'xml')?.value ?? '').toLowerCase()));
      };

      const seenIds = new Set<string>();
      // The typed lets of the rule being compiled: its expressions are compile-checked with placeholder values.
      let boundNames = new Set<string>();
      const compileChecks = (ruleEl: XmlElement, vars: Map<string, string>, out: CompiledCheck[], seen: Set<XmlElement>) => {
        for (let c = ruleEl.firstChild; c; c = c.next) {
          if (!(c instanceof XmlElement) || c.namespaceUri !== SCH_NS) continue;
          if (c.name === 'extends') {
            const target = abstractRules.get(attr(c, 'rule') ?? '');
            if (!target)
              throw new SamsvarError('profile_invalid', `${source}: sch:extends names unknown abstract rule "${attr(c, 'rule')}"`);
            if (seen.has(target)) continue;
            seen.add(target);
            compileChecks(target, vars, out, seen);
            continue;
          }
          if (c.name !== 'assert' && c.name !== 'report') continue;
          const id = attr(c, 'id');
          const test = attr(c, 'test');
          if (!id)
            throw new SamsvarError(
              'profile_invalid',
              `${source}: every sch:${c.name} needs an id (it becomes the finding's rule id); test="${test}" has none`,
            );
          if (!test) throw new SamsvarError('profile_invalid', `${source}: sch:${c.name} ${id} has no test`);
          seenIds.add(id);
          const roleText = (attr(c, 'role') ?? attr(c, 'flag') ?? 'error').toLowerCase();
          const severity = ROLE_SEVERITY[roleText];
          if (!severity)
            throw new SamsvarError('profile_invalid', `${source}: ${id} has role/flag "${roleText}"; use error, warning or information`);
          const compileMessage = (el: XmlElement): MessagePart[] => {
            const message: MessagePart[] = [];
            for (let m = el.firstChild; m; m = m.next) {
              if (m instanceof XmlElement && m.namespaceUri === SCH_NS && m.name === 'value-of') {
                const expr = `string(${substituteVariables(attr(m, 'select') ?? '.', vars)})`;
                message.push({
                  kind: 'value-of',
                  xpath: compileXPath(boundNames.size ? withPlaceholders(expr, boundNames) : expr, id),
                  expr,
                });
              } else if (m instanceof XmlElement && m.namespaceUri === SCH_NS && m.name === 'name') {
                const p = attr(m, 'path');
                message.push({ kind: 'name', xpath: p ? compileXPath(`name(${substituteVariables(p, vars)})`, id) : null });
              } else {
                message.push(m.content);
              }
            }
            return message;
          };
          const message = compileMessage(c);
          const nb = bokmalDiagnostic(c, id);
          const folded = substituteVariables(test, vars);
          // With typed lets the test is compiled alone here (with placeholders); otherwise only as part
          // of the rule's combined expression below, and alone only if that fails, to name the check.
          if (boundNames.size) compileXPath(withPlaceholders(folded, boundNames), id);
          out.push({
            kind: c.name,
            id,
            severity,
            see: attr(c, 'see'),
            test: folded,
            message,
            ...(nb ? { messageNb: compileMessage(nb) } : {}),
          });
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
          const bound: BoundLet[] = [];
          addLets(r, vars, bound);
          boundNames = new Set(bound.map((b) => b.name));
          const checks: CompiledCheck[] = [];
          compileChecks(r, vars, checks, new Set());
          const flags = checks.map((c) => `number(boolean(${c.test}))`);
          const testsText = !flags.length ? null : flags.length === 1 ? `string(${flags[0]})` : `concat(${flags.join(', ')})`;
          let tests: XmlXPath | null = null;
          if (testsText !== null && !bound.length) {
            try {
              tests = compileXPath(testsText, `rule context ${context}`);
            } catch (e) {
              for (const c of checks) compileXPath(c.test, c.id);
              throw e;
            }
          }
          rules.push({
            context: compileXPath(matchPatternToXPath(substituteVariables(context, patternLets)), `rule context ${context}`),
            checks,
            tests,
            bound,
            testsText: bound.length ? testsText : null,
          });
        }
        patterns.push({ id: attr(p, 'id'), rules });
      }
      return new CompiledSchematron(source, patterns, made, ns);
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
    try {
      return this.runPatterns(doc);
    } catch (e) {
      if (e instanceof SamsvarError) throw e;
      // The profile's fault, not the message's, and never a 500: the profile is named and refused.
      throw new SamsvarError('profile_invalid', `${this.source}: a rule could not be evaluated: ${(e as Error).message.trim()}`);
    }
  }

  private runPatterns(doc: XmlDocument): RuleHit[] {
    const hits: RuleHit[] = [];
    for (const pattern of this.patterns) {
      const handled = new Set<number>();
      for (const rule of pattern.rules) {
        for (const node of doc.find(rule.context)) {
          const key = (node as unknown as { _nodePtr: number })._nodePtr;
          if (handled.has(key)) continue;
          handled.add(key);
          if (!rule.tests && !rule.testsText) continue;
          const values = rule.bound.length ? this.bind(rule, node) : null;
          const flags = values ? this.evalWith(rule.testsText!, values, node) : String(node.eval(rule.tests!));
          rule.checks.forEach((check, i) => {
            const result = flags[i] === '1';
            if (check.kind === 'assert' ? result : !result) return;
            hits.push({
              node,
              finding: {
                ruleId: check.id,
                severity: check.severity,
                layer: 'rule',
                message: this.message(check, node, values),
                ...(check.see ? { reference: check.see } : {}),
                ...(check.messageNb ? { messageNb: this.render(check.messageNb, node, values) } : {}),
              },
            });
          });
        }
      }
    }
    return hits;
  }

  /** The typed lets of a rule, evaluated at one context node, as XPath literals. */
  private bind(rule: CompiledRule, node: XmlNode): Map<string, string> {
    const values = new Map<string, string>();
    for (const b of rule.bound) values.set(b.name, valueLiteral(b.kind, node.eval(b.xpath)));
    return values;
  }

  /** Evaluates an expression with the bound values written in; compiled for this node and freed at once. */
  private evalWith(expr: string, values: Map<string, string>, node: XmlNode): string {
    const filled = substituteVariables(expr, values);
    const xpath = XmlXPath.compile(filled, usedNamespaces(filled, this.ns));
    try {
      return String(node.eval(xpath));
    } finally {
      xpath.dispose();
    }
  }

  private message(check: CompiledCheck, node: XmlNode, values: Map<string, string> | null): string {
    return this.render(check.message, node, values) || `${check.kind === 'assert' ? 'Assertion failed' : 'Report'}: ${check.test}`;
  }

  private render(parts: MessagePart[], node: XmlNode, values: Map<string, string> | null): string {
    return parts
      .map((part) => {
        if (typeof part === 'string') return part;
        if (part.kind === 'value-of') return values ? this.evalWith(part.expr, values, node) : String(node.eval(part.xpath));
        return part.xpath ? String(node.eval(part.xpath)) : nodeName(node);
      })
      .join('')
      .replace(/\s+/g, ' ')
      .trim();
  }
}
