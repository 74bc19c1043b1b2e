/**
 * FHIR's XML format read into the same positioned tree as its JSON (json-parser.ts), so that one
 * validator judges both. The XML is read as every XML from outside is (src/xml/read-xml.ts: size,
 * depth, no DOCTYPE, no entities); the R4 definitions say which elements repeat (JSON arrays),
 * which are primitives (`value` attributes, with `id` and extensions in `_name`), where a resource
 * sits in a container element, and the order the format requires, which JSON does not have.
 */
import type { Finding } from '../core/finding.js';
import { ruleFinding } from '../core/rule-catalogue.js';
import { buildLightTree, ELEMENT, TEXT, type LightNode } from '../xml/light-tree.js';
import { readXml } from '../xml/read-xml.js';
import type { ConformanceStore, ElementDefinition, StructureDefinition } from './conformance-store.js';
import type { JsonLimits, JsonNode, JsonProperty, ParseOutcome, Position } from './json-parser.js';
import { DEFAULT_JSON_LIMITS } from './json-parser.js';
import { FHIR_NS } from './fhir-xml-sniff.js';
import { isPrimitiveType, NUMBER_TYPES } from './primitives.js';

const XHTML_NS = 'http://www.w3.org/1999/xhtml';
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';

/** Where a definition's children are: the definition and the path they sit under. */
interface Context {
  sd: StructureDefinition;
  path: string;
}

interface Child {
  /** Position in the definition: the order the XML format requires. */
  order: number;
  isArray: boolean;
  /** The type's code; for a choice, the type the element's name gives. */
  type?: string;
  children?: Context;
}

type ObjectNode = JsonNode & { kind: 'object' };

class FhirXmlReader {
  readonly findings: Finding[] = [];
  private readonly children = new Map<string, Map<string, Child | null>>();

  constructor(
    private readonly store: ConformanceStore,
    private readonly at: (node: LightNode, attribute?: string) => Position,
  ) {}

  private add(
    ruleId: 'FHIR-XML-NAMESPACE' | 'FHIR-XML-ORDER' | 'FHIR-XML-ATTRIBUTE' | 'FHIR-XML-TEXT',
    message: string,
    node: LightNode,
    path: string,
  ): void {
    this.findings.push(ruleFinding(ruleId, message, { ...this.at(node), path }));
  }

  /** A resource element (the root, or the one child of a container such as `contained`). */
  resource(el: LightNode, path: string): ObjectNode {
    const sd = this.store.baseType(el.local);
    const pos = this.at(el);
    const props = new Map<string, JsonProperty>();
    props.set('resourceType', { key: 'resourceType', keyPos: pos, value: { kind: 'string', value: el.local, ...pos } });
    const node: ObjectNode = { kind: 'object', props, ...pos };
    if (el.ns !== FHIR_NS) this.add('FHIR-XML-NAMESPACE', `${el.local} must be in the namespace ${FHIR_NS}`, el, path);
    const ctx = sd?.kind === 'resource' ? { sd, path: sd.type } : undefined;
    // A resource's id is an element of its own; only the document's root may say where its schema is.
    this.attributes(el, path, new Set(el.parent?.kind === ELEMENT ? [] : ['schemaLocation']), props, false);
    this.content(el, ctx, path, props);
    return node;
  }

  /** The child elements of a complex value or resource, as the properties of its JSON object. */
  private content(el: LightNode, ctx: Context | undefined, path: string, props: Map<string, JsonProperty>): void {
    const groups = new Map<string, { child: Child | undefined; nodes: LightNode[] }>();
    let last: { order: number; name: string } | undefined;
    for (const c of el.children) {
      if (c.kind === TEXT && c.value.trim())
        this.add('FHIR-XML-TEXT', `${path} holds text; FHIR puts values in value attributes`, el, path);
      if (c.kind !== ELEMENT) continue;
      const child = ctx ? this.child(ctx, c.local) : undefined;
      const childPath = `${path}.${c.local}`;
      const ns = child?.type === 'xhtml' ? XHTML_NS : FHIR_NS;
      if (c.ns !== ns) this.add('FHIR-XML-NAMESPACE', `${childPath} must be in the namespace ${ns}`, c, childPath);
      if (child && last && child.order < last.order)
        this.add('FHIR-XML-ORDER', `${childPath} is out of order: in FHIR's XML it comes before ${last.name}`, c, childPath);
      if (child && (!last || child.order >= last.order)) last = { order: child.order, name: c.local };
      const group = groups.get(c.local) ?? { child, nodes: [] };
      group.nodes.push(c);
      groups.set(c.local, group);
    }
    for (const [name, { child, nodes: all }] of groups) {
      const asArray = child ? child.isArray : all.length > 1;
      // JSON cannot repeat a single-valued element; XML can, and that is a cardinality fault, not a second value.
      const nodes = asArray ? all : all.slice(0, 1);
      if (all.length > nodes.length)
        this.findings.push(
          ruleFinding('FHIR-CARDINALITY-MAX', `${path}.${name} may occur at most 1 time, found ${all.length}`, {
            ...this.at(all[1]!),
            path: `${path}.${name}`,
          }),
        );
      const values = nodes.map((n, i) => this.value(n, child, asArray ? `${path}.${name}[${i}]` : `${path}.${name}`));
      const keyPos = this.at(nodes[0]!);
      const main = values.map((v) => v.value);
      const extra = values.map((v) => v.extra);
      if (main.some((v) => v !== undefined) || !extra.some(Boolean))
        props.set(name, {
          key: name,
          keyPos,
          value: asArray
            ? { kind: 'array', items: main.map((v) => v ?? { kind: 'null', ...keyPos }), ...keyPos }
            : (main[0] ?? { kind: 'null', ...keyPos }),
        });
      if (extra.some(Boolean))
        props.set(`_${name}`, {
          key: `_${name}`,
          keyPos,
          value: asArray ? { kind: 'array', items: extra.map((v) => v ?? { kind: 'null', ...keyPos }), ...keyPos } : extra[0]!,
        });
    }
  }

  /** One element's value: a primitive (with its `_name` companion), a resource in a container, or an object. */
  private value(el: LightNode, child: Child | undefined, path: string): { value?: JsonNode; extra?: JsonNode } {
    const pos = this.at(el);
    const type = child?.type;
    if (type === 'xhtml') return { value: { kind: 'string', value: serializeXhtml(el), ...pos } };
    if (type === 'Resource' || type === 'DomainResource') {
      const inner = el.children.filter((c) => c.kind === ELEMENT);
      if (inner.length === 1) return { value: this.resource(inner[0]!, path) };
    }
    const primitive = type ? isPrimitiveType(type, this.store) : el.attributes.some((a) => a.local === 'value');
    if (primitive) {
      const props = new Map<string, JsonProperty>();
      this.attributes(el, path, new Set(['value']), props);
      this.content(el, this.contextOf('Element'), path, props);
      const raw = el.attributes.find((a) => a.local === 'value' && !a.ns);
      const value = raw ? typedValue(raw.value, type, this.at(el, 'value')) : undefined;
      return { value, extra: props.size ? { kind: 'object', props, ...pos } : undefined };
    }
    const props = new Map<string, JsonProperty>();
    this.attributes(el, path, new Set(type === 'Extension' ? ['url'] : []), props);
    this.content(el, child?.children, path, props);
    return { value: { kind: 'object', props, ...pos } };
  }

  /** `id` on every element, and what `allowed` adds (`url` on an extension, `value` on a primitive); nothing else. */
  private attributes(el: LightNode, path: string, allowed: Set<string>, props: Map<string, JsonProperty>, id = true): void {
    for (const a of el.attributes) {
      if (a.ns === XSI_NS && allowed.has(a.local)) continue;
      if (!a.ns && ((id && a.local === 'id') || (allowed.has(a.local) && a.local !== 'value'))) {
        const pos = this.at(el, a.local);
        props.set(a.local, { key: a.local, keyPos: pos, value: { kind: 'string', value: a.value, ...pos } });
        continue;
      }
      if (!a.ns && a.local === 'value' && allowed.has('value')) continue;
      this.add('FHIR-XML-ATTRIBUTE', `${path} has the attribute ${a.qname()}, which FHIR's XML does not define there`, el, path);
    }
  }

  /** The definitions of a type's own children (a data type, or Element for a primitive's extensions). */
  private contextOf(type: string): Context | undefined {
    const sd = this.store.baseType(type);
    return sd ? { sd, path: sd.type } : undefined;
  }

  /** What the definitions say of a child element by its XML name (a choice by its typed name: valueQuantity). */
  private child(ctx: Context, name: string): Child | undefined {
    const key = `${ctx.sd.url}#${ctx.path}`;
    let known = this.children.get(key);
    if (!known) this.children.set(key, (known = new Map()));
    if (known.has(name)) return known.get(name) ?? undefined;
    const found = this.findChild(ctx, name);
    known.set(name, found ?? null);
    return found;
  }

  private findChild(ctx: Context, name: string): Child | undefined {
    const elements = ctx.sd.snapshot?.element ?? [];
    const prefix = `${ctx.path}.`;
    for (let order = 0; order < elements.length; order++) {
      const e = elements[order]!;
      if (!e.path.startsWith(prefix) || e.path.includes('.', prefix.length)) continue;
      const local = e.path.slice(prefix.length);
      let type: string | undefined;
      if (local === name) type = e.type?.length === 1 ? e.type[0]!.code : undefined;
      else if (local.endsWith('[x]') && name.startsWith(local.slice(0, -3))) {
        const typed = name.slice(local.length - 3);
        type = e.type?.find((t) => t.code.toLowerCase() === typed.toLowerCase() && /^[A-Z]/.test(typed))?.code;
        if (!type) continue;
      } else continue;
      return { order, isArray: e.max !== '1' && e.max !== '0', type, children: this.childrenOf(ctx, e, type) };
    }
    return undefined;
  }

  private childrenOf(ctx: Context, e: ElementDefinition, type: string | undefined): Context | undefined {
    if (e.contentReference) return { sd: ctx.sd, path: e.contentReference.replace(/^[^#]*#/, '') };
    if (!type || type === 'BackboneElement' || type === 'Element') {
      const inline = ctx.sd.snapshot?.element.some((x) => x.path.startsWith(`${e.path}.`));
      if (inline) return { sd: ctx.sd, path: e.path };
    }
    return type ? this.contextOf(type) : undefined;
  }
}

/** A primitive's value in the JSON type that carries it: numbers and booleans as such when they read as one. */
function typedValue(raw: string, type: string | undefined, pos: Position): JsonNode {
  if (type === 'boolean' && (raw === 'true' || raw === 'false')) return { kind: 'boolean', value: raw === 'true', ...pos };
  if (type && NUMBER_TYPES.has(type) && /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(raw))
    return { kind: 'number', value: Number(raw), raw, ...pos };
  return { kind: 'string', value: raw, ...pos };
}

/** The narrative's div as the text JSON carries: the element with its XHTML namespace. */
function serializeXhtml(el: LightNode): string {
  const escape = (s: string, attr: boolean) =>
    s
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(attr ? /"/g : /$^/, '&quot;');
  const write = (n: LightNode, top: boolean): string => {
    if (n.kind === TEXT) return escape(n.value, false);
    if (n.kind !== ELEMENT) return '';
    const name = n.local;
    const ns = top || n.ns !== n.parent?.ns ? ` xmlns="${escape(n.ns, true)}"` : '';
    const attrs = n.attributes.map((a) => ` ${a.prefix ? `${a.prefix}:` : ''}${a.local}="${escape(a.value, true)}"`).join('');
    const inner = n.children.map((c) => write(c, false)).join('');
    return inner ? `<${name}${ns}${attrs}>${inner}</${name}>` : `<${name}${ns}${attrs}/>`;
  };
  return write(el, true);
}

/**
 * Reads FHIR XML into the JSON tree the validator walks, with the findings only XML can have
 * (namespace, element order, attributes, text). A syntax problem ends it as for JSON.
 */
export function readFhirXml(
  input: Uint8Array,
  store: ConformanceStore,
  limits: JsonLimits = {},
): { ok: true; root: JsonNode; xmlFindings: Finding[] } | Extract<ParseOutcome, { ok: false }> {
  const { parsed, findings } = readXml(input, {
    maxBytes: limits.maxBytes ?? DEFAULT_JSON_LIMITS.maxBytes,
    maxDepth: limits.maxDepth ?? DEFAULT_JSON_LIMITS.maxDepth,
  });
  if (!parsed) return { ok: false, finding: findings[0]! };
  try {
    const tree = buildLightTree(parsed.doc);
    const root = tree.root.children.find((c) => c.kind === ELEMENT);
    if (!root)
      return { ok: false, finding: ruleFinding('FHIR-STRUCTURE-RESOURCETYPE', 'The XML has no root element', { line: 1, column: 1 }) };
    const map = parsed.map;
    const at = (node: LightNode, attribute?: string): Position => {
      const { line, column } = map.position(attribute ? map.attributeOffset(node.index, attribute) : map.starts[node.index]!);
      return { line, column };
    };
    const reader = new FhirXmlReader(store, at);
    const node = reader.resource(root, root.local);
    return { ok: true, root: node, xmlFindings: reader.findings };
  } finally {
    parsed.doc.dispose();
  }
}
