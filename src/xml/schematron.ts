import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XmlDocument, XmlElement, XmlXPath, type NamespaceMap, type XmlNode } from 'libxml2-wasm';
import { readCache, writeCache } from '../core/disk-cache.js';
import type { Finding, Severity } from '../core/finding.js';
import { SamsvarError } from '../core/samsvar-error.js';
import { sha256Hex } from '../core/sha256.js';
import { buildLightTree, type LightNode, type LightTree } from './light-tree.js';
import { SAFE_PARSE } from './profile-resolver.js';
import {
  NotCompiled,
  XPathCompiler,
  booleanOf,
  numberOf,
  parseNumber,
  stringOf,
  type ParsedExpressions,
  type XContext,
  type XFunction,
  type XValue,
} from './xpath-compiler.js';
import { unsupportedXPathFunctions } from './xpath-functions.js';

const SCH_NS = 'http://purl.oclc.org/dsdl/schematron';

/**
 * The disk cache of compiled schemas (core/disk-cache.ts), by the SHA-256 of the schema's bytes.
 * The number changes with the form of an entry (SchematronPlan, and the parsed XPath it holds).
 */
const CACHE_KIND = 'schematron-1';

/** The code of the modules in `dir` (the XML layer's folder), as a short hash; null when it cannot be read. */
export function codeKeyOf(dir: string): string | null {
  try {
    const hash = createHash('sha256');
    for (const name of readdirSync(dir)
      .filter((n) => /\.(js|ts)$/.test(n))
      .sort()) {
      hash
        .update(name)
        .update('\0')
        .update(readFileSync(path.join(dir, name)))
        .update('\0');
    }
    return hash.digest('hex').slice(0, 16);
  } catch {
    return null;
  }
}

let codeKey: string | null | undefined;
/**
 * The disk cache's key holds the code of the XML layer too (every module of this folder, as the
 * running build has it, hashed once per process): whatever shapes a plan (the parser, the planner,
 * severities, the functions refused) lives here, so an entry written by other code (an upgrade, a
 * change in development) is never read, even where nobody changed CACHE_KIND. Null when the folder
 * cannot be read: then nothing is cached.
 */
function cacheCodeKey(): string | null {
  if (codeKey === undefined) codeKey = codeKeyOf(fileURLToPath(new URL('.', import.meta.url)));
  return codeKey;
}

/**
 * A libxml2 XPath, compiled when first evaluated. A rule compiled to JavaScript needs libxml2's
 * only if a context node falls back to it, and a schema read from the disk cache (every expression
 * of which compiled when it was stored) compiles none of them up front.
 */
class LibxmlXPath {
  private compiled: XmlXPath | undefined;

  constructor(
    readonly expr: string,
    private readonly ns: NamespaceMap,
  ) {}

  get(): XmlXPath {
    return (this.compiled ??= XmlXPath.compile(this.expr, usedNamespaces(this.expr, this.ns)));
  }

  dispose(): void {
    this.compiled?.dispose();
    this.compiled = undefined;
  }

  toJSON(): string {
    return this.expr;
  }
}

type MessagePart =
  | string
  | { kind: 'value-of'; xpath: LibxmlXPath; expr: string; js?: XFunction }
  | { kind: 'name'; xpath: LibxmlXPath | null; expr?: string; js?: XFunction };

/**
 * A rule-level `let` with an `as` type (ISO Schematron 2020): evaluated once per context node and
 * bound as a value, so tests may use it inside predicates, where the context node has moved on.
 * Untyped lets are folded into the expressions as text (an XPath 1.0 stand-in for a variable).
 */
interface BoundLet {
  name: string;
  kind: 'number' | 'string' | 'boolean';
  xpath: LibxmlXPath;
  /** The same expression as text, for the compiled evaluator. */
  expr: string;
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
  /** The test compiled to JavaScript (boolean(test)), when the whole rule compiled. */
  js?: XFunction;
}

interface CompiledRule {
  context: LibxmlXPath;
  checks: CompiledCheck[];
  /**
   * Every check's test in one expression, `concat(number(boolean(t1)), …)`, giving "1"/"0" per
   * check: libxml2-wasm pays a fixed cost per evaluation, so one call per context node, not one per test.
   */
  tests: LibxmlXPath | null;
  /** Typed lets: `tests` is then recompiled per context node from `testsText` with their values filled in. */
  bound: BoundLet[];
  testsText: string | null;
  /**
   * The rule compiled to JavaScript over the light tree (xpath-compiler.ts): its context, typed lets,
   * tests and message parts. Absent when any of them uses what that compiler does not take on; the
   * rule is then evaluated with libxml2, as every rule was before.
   */
  js?: { context: XFunction; bound: XFunction[] };
}

interface CompiledPattern {
  id?: string;
  rules: CompiledRule[];
}

/** What a finding of a check says and how severe it is: its severity and its English and bokmål text (values aside). */
function meaningOf(check: Pick<CompiledCheck, 'severity' | 'message' | 'messageNb'>): string {
  const text = (parts: MessagePart[] | undefined) =>
    (parts ?? [])
      .filter((p): p is string => typeof p === 'string')
      .join('')
      .replace(/\s+/g, ' ')
      .trim();
  return [check.severity, text(check.message), text(check.messageNb)].join('\n');
}

/** A compiled schema as JSON, for the disk cache: every XPath as its text, nothing compiled to JavaScript. */
type Planned<T> = T extends LibxmlXPath
  ? string
  : T extends XFunction
    ? never
    : T extends (infer U)[]
      ? Planned<U>[]
      : T extends object
        ? { [K in keyof T as K extends 'js' ? never : K]: Planned<T[K]> }
        : T;

interface SchematronPlan {
  ns: NamespaceMap;
  patterns: Planned<CompiledPattern>[];
  parsed: ParsedExpressions;
}

/** How many rule contexts and checks run compiled to JavaScript, and how many with libxml2 XPath. */
export interface SchematronStats {
  rules: number;
  rulesCompiled: number;
  checks: number;
  checksCompiled: number;
}

/** A node located by a rule, for the caller to turn into a line:column and a readable XPath. */
export interface RuleHit {
  node: XmlNode | LightNode;
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
    private readonly xpaths: LibxmlXPath[],
    private readonly ns: NamespaceMap,
    private readonly parsed: ParsedExpressions,
  ) {}

  /** Each rule id with what its check says (severity and text), to hold one id to one check across the schemas a profile runs. */
  ruleMeanings(): Map<string, string> {
    const meanings = new Map<string, string>();
    for (const p of this.patterns) for (const r of p.rules) for (const c of r.checks) meanings.set(c.id, meaningOf(c));
    return meanings;
  }

  /**
   * Compiles a schema, or takes it from the disk cache: a schema compiled before (the same bytes)
   * is neither read as XML nor its XPath parsed again, and libxml2 compiles its expressions only
   * when one is evaluated. A damaged or foreign entry is ignored and written anew.
   */
  static compile(bytes: Uint8Array, source: string): CompiledSchematron {
    const code = cacheCodeKey();
    if (code === null) return CompiledSchematron.compileSource(bytes, source);
    const key = sha256Hex(bytes) + code;
    const plan = readCache<SchematronPlan>(CACHE_KIND, key);
    if (plan) {
      try {
        return CompiledSchematron.fromPlan(plan, source);
      } catch {
        // compiled afresh below
      }
    }
    const compiled = CompiledSchematron.compileSource(bytes, source);
    writeCache(CACHE_KIND, key, compiled.plan());
    return compiled;
  }

  private plan(): SchematronPlan {
    const patterns = JSON.parse(
      JSON.stringify(this.patterns, (k, v: unknown) => (k === 'js' ? undefined : v)),
    ) as SchematronPlan['patterns'];
    // JSON has no Infinity (a number literal beyond the double range): written as the string
    // "Infinity", which the compiler reads as the number.
    const parsed = JSON.parse(
      JSON.stringify(this.parsed, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)),
    ) as ParsedExpressions;
    return { ns: this.ns, patterns, parsed };
  }

  private static fromPlan(plan: SchematronPlan, source: string): CompiledSchematron {
    const xpaths: LibxmlXPath[] = [];
    const lazy = (expr: string): LibxmlXPath => {
      if (typeof expr !== 'string') throw new TypeError('not an XPath');
      const xpath = new LibxmlXPath(expr, plan.ns);
      xpaths.push(xpath);
      return xpath;
    };
    const parts = (message: Planned<MessagePart>[]): MessagePart[] =>
      message.map((part) => {
        if (typeof part === 'string') return part;
        if (part.kind === 'value-of') return { kind: 'value-of', xpath: lazy(part.xpath), expr: part.expr };
        return {
          kind: 'name',
          xpath: part.xpath === null ? null : lazy(part.xpath),
          ...(part.expr !== undefined ? { expr: part.expr } : {}),
        };
      });
    const compiler = new XPathCompiler(plan.ns, plan.parsed);
    const patterns = plan.patterns.map((p): CompiledPattern => ({
      ...(p.id !== undefined ? { id: p.id } : {}),
      rules: p.rules.map((r) => {
        const rule: CompiledRule = {
          context: lazy(r.context),
          checks: r.checks.map(({ messageNb, ...c }) => ({
            ...c,
            message: parts(c.message),
            ...(messageNb ? { messageNb: parts(messageNb) } : {}),
          })),
          tests: r.tests === null ? null : lazy(r.tests),
          bound: r.bound.map((b) => ({ ...b, xpath: lazy(b.xpath) })),
          testsText: r.testsText,
        };
        compileToJs(rule, r.context, compiler);
        return rule;
      }),
    }));
    return new CompiledSchematron(source, patterns, xpaths, plan.ns, compiler.parsedExpressions());
  }

  private static compileSource(bytes: Uint8Array, source: string): CompiledSchematron {
    let doc: XmlDocument;
    try {
      doc = XmlDocument.fromBuffer(bytes, { option: SAFE_PARSE });
    } catch (e) {
      throw new SamsvarError('profile_invalid', `${source} is not well-formed XML: ${(e as Error).message.trim()}`);
    }
    // Compiled XPaths live in wasm memory: if the schema turns out invalid half way, free them.
    const made: LibxmlXPath[] = [];
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
      const compiler = new XPathCompiler(ns);

      const compileXPath = (expr: string, where: string): LibxmlXPath => {
        const unsupported = unsupportedXPathFunctions(expr);
        if (unsupported.length) {
          throw new SamsvarError(
            'profile_invalid',
            `${source}: ${where}: XPath "${expr}" calls ${unsupported.map((f) => `${f}()`).join(', ')}, which XPath 1.0 does not have (samsvar evaluates XPath 1.0 only: no document(), current(), key() or extension functions)`,
          );
        }
        const xpath = new LibxmlXPath(expr, ns);
        made.push(xpath);
        try {
          xpath.get();
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
          bound.push({ name, kind, xpath: compileXPath(`${kind}(${folded})`, `sch:let ${name}`), expr: `${kind}(${folded})` });
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

      // A finding names its check by id, and so do waivers and test cases: one id must mean one check.
      // An abstract rule extended in several rules compiles the same element again; another element
      // may reuse an id only to say the same thing (severity, English and bokmål text).
      const meaningOfId = new Map<string, string>();
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
          const roleText = (attr(c, 'role') ?? attr(c, 'flag') ?? 'error').toLowerCase();
          const severity = ROLE_SEVERITY[roleText];
          if (!severity)
            throw new SamsvarError('profile_invalid', `${source}: ${id} has role/flag "${roleText}"; use error, warning or information`);
          const nb = bokmalDiagnostic(c, id);
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
                const expr = p ? `name(${substituteVariables(p, vars)})` : null;
                message.push({ kind: 'name', xpath: expr ? compileXPath(expr, id) : null, ...(expr ? { expr } : {}) });
              } else {
                message.push(m.content);
              }
            }
            return message;
          };
          const message = compileMessage(c);
          const folded = substituteVariables(test, vars);
          // With typed lets the test is compiled alone here (with placeholders); otherwise only as part
          // of the rule's combined expression below, and alone only if that fails, to name the check.
          if (boundNames.size) compileXPath(withPlaceholders(folded, boundNames), id);
          const check: CompiledCheck = {
            kind: c.name,
            id,
            severity,
            see: attr(c, 'see'),
            test: folded,
            message,
            ...(nb ? { messageNb: compileMessage(nb) } : {}),
          };
          const earlier = meaningOfId.get(id);
          if (earlier !== undefined && earlier !== meaningOf(check))
            throw new SamsvarError(
              'profile_invalid',
              `${source}: rule id ${id} is used for two different checks (line ${c.line}); give each check its own id, since findings, waivers and test cases name checks by id`,
            );
          meaningOfId.set(id, meaningOf(check));
          out.push(check);
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
          let tests: LibxmlXPath | null = null;
          if (testsText !== null && !bound.length) {
            try {
              tests = compileXPath(testsText, `rule context ${context}`);
            } catch (e) {
              for (const c of checks) compileXPath(c.test, c.id);
              throw e;
            }
          }
          const contextXPath = matchPatternToXPath(substituteVariables(context, patternLets));
          const rule: CompiledRule = {
            context: compileXPath(contextXPath, `rule context ${context}`),
            checks,
            tests,
            bound,
            testsText: bound.length ? testsText : null,
          };
          compileToJs(rule, contextXPath, compiler);
          rules.push(rule);
        }
        patterns.push({ id: attr(p, 'id'), rules });
      }
      return new CompiledSchematron(source, patterns, made, ns, compiler.parsedExpressions());
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

  /** How many rules and checks run compiled to JavaScript; the rest run with libxml2 XPath. */
  stats(): SchematronStats {
    const stats: SchematronStats = { rules: 0, rulesCompiled: 0, checks: 0, checksCompiled: 0 };
    for (const p of this.patterns)
      for (const r of p.rules) {
        stats.rules++;
        stats.checks += r.checks.length;
        if (r.js) {
          stats.rulesCompiled++;
          stats.checksCompiled += r.checks.length;
        }
      }
    return stats;
  }

  /**
   * Context nodes whose compiled evaluation failed at run time (a type error, say) and were
   * evaluated with libxml2 instead, since this schema was compiled. The fidelity test expects none.
   */
  runtimeFallbacks = 0;

  /**
   * Runs every pattern over the document. Within a pattern a node is handled by the first rule whose
   * context matches it. `tree` is the light tree of `doc` when the caller has it (one walk serves
   * every layer); `engine: 'libxml2'` evaluates every rule with libxml2 XPath (the fidelity test).
   */
  run(doc: XmlDocument, tree?: LightTree, engine: 'compiled' | 'libxml2' = 'compiled'): RuleHit[] {
    try {
      return this.runPatterns(doc, engine === 'compiled' ? (tree ?? buildLightTree(doc)) : null);
    } catch (e) {
      if (e instanceof SamsvarError) throw e;
      // The profile's fault, not the message's, and never a 500: the profile is named and refused.
      throw new SamsvarError('profile_invalid', `${this.source}: a rule could not be evaluated: ${(e as Error).message.trim()}`);
    }
  }

  private runPatterns(doc: XmlDocument, tree: LightTree | null): RuleHit[] {
    const hits: RuleHit[] = [];
    for (const pattern of this.patterns) {
      const handled = new Set<number>();
      for (const rule of pattern.rules) {
        if (tree && rule.js) {
          const contexts = this.contextsOf(rule, tree);
          if (contexts) {
            for (const node of contexts) {
              if (handled.has(node.ptr)) continue;
              handled.add(node.ptr);
              if (!rule.tests && !rule.testsText) continue;
              const before = hits.length;
              try {
                this.checkCompiled(rule, node, tree, hits);
              } catch {
                hits.length = before;
                this.runtimeFallbacks++;
                this.checkNode(rule, node.xmlNode(), hits);
              }
            }
            continue;
          }
        }
        for (const node of doc.find(rule.context.get())) {
          const key = (node as unknown as { _nodePtr: number })._nodePtr;
          if (handled.has(key)) continue;
          handled.add(key);
          if (!rule.tests && !rule.testsText) continue;
          this.checkNode(rule, node, hits);
        }
      }
    }
    return hits;
  }

  /** The rule's context nodes by the compiled evaluator, or null to let libxml2 find them. */
  private contextsOf(rule: CompiledRule, tree: LightTree): LightNode[] | null {
    try {
      const found = rule.js!.context({ node: tree.root, position: -1, size: -1, tree, vars: null });
      if (Array.isArray(found)) return found;
    } catch {
      // evaluated by libxml2 below
    }
    this.runtimeFallbacks++;
    return null;
  }

  /** One context node, with libxml2 XPath. */
  private checkNode(rule: CompiledRule, node: XmlNode, hits: RuleHit[]): void {
    const values = rule.bound.length ? this.bind(rule, node) : null;
    const flags = values ? this.evalWith(rule.testsText!, values, node) : String(node.eval(rule.tests!.get()));
    rule.checks.forEach((check, i) => {
      const result = flags[i] === '1';
      if (check.kind === 'assert' ? result : !result) return;
      const messageNb = check.messageNb && this.render(check.messageNb, node, values);
      hits.push({ node, finding: ruleFinding(check, this.render(check.message, node, values), messageNb) });
    });
  }

  /** One context node, with the compiled evaluator; throws (and the caller asks libxml2) on what it cannot evaluate. */
  private checkCompiled(rule: CompiledRule, node: LightNode, tree: LightTree, hits: RuleHit[]): void {
    // Outside a predicate libxml2 has no context position or size: position() there is an error.
    const ctx: XContext = { node, position: -1, size: -1, tree, vars: null };
    if (rule.bound.length) {
      const vars = new Map<string, XValue>();
      rule.js!.bound.forEach((f, i) => vars.set(rule.bound[i].name, boundValue(rule.bound[i].kind, f(ctx))));
      ctx.vars = vars;
    }
    for (const check of rule.checks) {
      const result = booleanOf(check.js!(ctx));
      if (check.kind === 'assert' ? result : !result) continue;
      const messageNb = check.messageNb && renderCompiled(check.messageNb, ctx);
      hits.push({ node, finding: ruleFinding(check, renderCompiled(check.message, ctx), messageNb) });
    }
  }

  /** The typed lets of a rule, evaluated at one context node, as XPath literals. */
  private bind(rule: CompiledRule, node: XmlNode): Map<string, string> {
    const values = new Map<string, string>();
    for (const b of rule.bound) values.set(b.name, valueLiteral(b.kind, node.eval(b.xpath.get())));
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

  private render(parts: MessagePart[], node: XmlNode, values: Map<string, string> | null): string {
    return parts
      .map((part) => {
        if (typeof part === 'string') return part;
        if (part.kind === 'value-of') return values ? this.evalWith(part.expr, values, node) : String(node.eval(part.xpath.get()));
        return part.xpath ? String(node.eval(part.xpath.get())) : nodeName(node);
      })
      .join('')
      .replace(/\s+/g, ' ')
      .trim();
  }
}

/**
 * Compiles a rule to JavaScript (xpath-compiler.ts) when its context, typed lets, tests and message
 * parts all compile; otherwise leaves it to libxml2.
 */
/** A fired check as a finding, the same from either evaluator; an empty message names the test instead. */
function ruleFinding(check: CompiledCheck, message: string, messageNb: string | undefined): RuleHit['finding'] {
  return {
    ruleId: check.id,
    severity: check.severity,
    layer: 'rule',
    message: message || `${check.kind === 'assert' ? 'Assertion failed' : 'Report'}: ${check.test}`,
    ...(check.see ? { reference: check.see } : {}),
    ...(check.messageNb ? { messageNb } : {}),
  };
}

function compileToJs(rule: CompiledRule, contextXPath: string, compiler: XPathCompiler): void {
  try {
    const context = compiler.compile(contextXPath);
    const bound = rule.bound.map((b) => compiler.compile(b.expr));
    const tests = rule.checks.map((c) => compiler.compile(c.test));
    const parts = (message: MessagePart[]) =>
      message.map((part) => {
        if (typeof part === 'string') return undefined;
        if (part.kind === 'value-of') return compiler.compile(part.expr);
        return part.expr ? compiler.compile(part.expr) : undefined;
      });
    const messages = rule.checks.map((c) => ({ message: parts(c.message), nb: c.messageNb ? parts(c.messageNb) : [] }));
    // All compiled: only now attach, so a rule is either wholly compiled or wholly libxml2's.
    rule.checks.forEach((c, i) => {
      c.js = tests[i];
      c.message.forEach((part, k) => {
        if (typeof part !== 'string') part.js = messages[i].message[k];
      });
      c.messageNb?.forEach((part, k) => {
        if (typeof part !== 'string') part.js = messages[i].nb[k];
      });
    });
    rule.js = { context, bound };
  } catch (e) {
    if (!(e instanceof NotCompiled)) throw e;
  }
}

/** A typed let's value exactly as libxml2 sees it once valueLiteral() has written it into an expression. */
function boundValue(kind: BoundLet['kind'], value: XValue): XValue {
  if (kind === 'boolean') return booleanOf(value);
  if (kind === 'string') return stringOf(value);
  const n = numberOf(value);
  if (!Number.isFinite(n)) return n;
  return parseNumber(Math.abs(n) < 1e15 && Number.isInteger(n) ? String(n) : n.toFixed(12));
}

function renderCompiled(parts: MessagePart[], ctx: XContext): string {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'string') out += part;
    else if (part.js) out += stringOf(part.js(ctx));
    else out += ctx.node.kind === 1 || ctx.node.kind === 2 ? ctx.node.local : '';
  }
  return out.replace(/\s+/g, ' ').trim();
}
