import type { XmlDocument } from 'libxml2-wasm';
import { ruleFinding } from '../core/rule-catalogue.js';
import type { Finding } from '../core/finding.js';
import { SamsvarError } from '../core/samsvar-error.js';
import type { LoadedProfile, XmlProfileManifest } from '../profiles/manifest.js';
import { buildLightTree, type LightNode, type LightTree } from './light-tree.js';

export interface CodeList {
  oid: string;
  name: string;
  codes: Map<string, string>;
  /** The dates a code is valid from and to (YYYY-MM-DD, inclusive), for the codes that carry them. */
  validity: Map<string, { from?: string; to?: string }>;
}

export interface CodeHit {
  element: LightNode;
  attribute: 'V' | 'DN' | 'S';
  finding: Omit<Finding, 'line' | 'column' | 'xpath'>;
}

/** Reads the code lists (kodeverk) a profile and the profiles it uses carry, keyed by OID. */
export function loadCodeLists(profiles: LoadedProfile[]): Map<string, CodeList> {
  const lists = new Map<string, CodeList>();
  for (const p of profiles) {
    for (const rel of (p.manifest as XmlProfileManifest).codelists ?? []) {
      const bytes = p.files.get(rel);
      if (!bytes) throw new SamsvarError('profile_invalid', `profile ${p.manifest.id}: code list ${rel} is not in the profile`);
      let raw: { oid?: unknown; name?: unknown; codes?: unknown };
      try {
        raw = JSON.parse(new TextDecoder().decode(bytes));
      } catch (e) {
        throw new SamsvarError('profile_invalid', `profile ${p.manifest.id}: code list ${rel} is not JSON: ${(e as Error).message}`);
      }
      if (typeof raw.oid !== 'string' || !Array.isArray(raw.codes)) {
        throw new SamsvarError(
          'profile_invalid',
          `profile ${p.manifest.id}: code list ${rel} needs "oid" and "codes": [{ "code", "display" }]`,
        );
      }
      const codes = new Map<string, string>();
      const validity = new Map<string, { from?: string; to?: string }>();
      for (const c of raw.codes as { code?: unknown; display?: unknown; validFrom?: unknown; validTo?: unknown }[]) {
        if (typeof c.code !== 'string')
          throw new SamsvarError('profile_invalid', `profile ${p.manifest.id}: code list ${rel} has an entry without a string "code"`);
        codes.set(c.code, typeof c.display === 'string' ? c.display : '');
        for (const [key, value] of [
          ['validFrom', c.validFrom],
          ['validTo', c.validTo],
        ] as const) {
          if (value !== undefined && (typeof value !== 'string' || !ISO_DATE.test(value)))
            throw new SamsvarError(
              'profile_invalid',
              `profile ${p.manifest.id}: code list ${rel}: ${key} of code ${c.code} must be a date YYYY-MM-DD`,
            );
        }
        if (c.validFrom !== undefined || c.validTo !== undefined)
          validity.set(c.code, {
            ...(c.validFrom ? { from: c.validFrom as string } : {}),
            ...(c.validTo ? { to: c.validTo as string } : {}),
          });
      }
      // The profile's own list wins over a used profile's list with the same OID.
      if (!lists.has(raw.oid))
        lists.set(raw.oid, { oid: raw.oid, name: typeof raw.name === 'string' ? raw.name : raw.oid, codes, validity });
    }
  }
  return lists;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The day a message's codes must be valid on: its own date (GenDate, as Hodemelding and AppRec carry
 * it), or `today` for a document without one.
 */
export function messageDate(doc: XmlDocument | LightTree, today: Date = new Date()): string {
  const tree = 'elements' in doc ? doc : buildLightTree(doc);
  const gen = tree.elements
    .find((e) => e.local === 'GenDate')
    ?.text()
    .trim()
    .slice(0, 10);
  return gen && ISO_DATE.test(gen) ? gen : today.toISOString().slice(0, 10);
}

/**
 * Checks every coded value (V with code system S, display DN): an unknown code is an error, and so
 * is a code used outside its validFrom/validTo on the message's date; a display text that differs
 * from the list's is a warning, a code system the profile lacks information.
 */
export function checkCodedValues(
  doc: XmlDocument,
  lists: Map<string, CodeList>,
  date?: string,
  tree: LightTree = buildLightTree(doc),
): CodeHit[] {
  const hits: CodeHit[] = [];
  // Read the message's date only when a code with validity dates is met: it costs a walk of the document.
  let on = date;
  const day = () => (on ??= messageDate(tree));
  // Every element with V and S (attributes in no namespace), in document order: one pass over the tree.
  for (const node of tree.elements) {
    if (node.attributes.length < 2) continue;
    const vAttr = plainAttribute(node, 'V');
    const sAttr = vAttr && plainAttribute(node, 'S');
    if (!vAttr || !sAttr) continue;
    const name = node.local;
    const hit = (attribute: CodeHit['attribute'], finding: CodeHit['finding']) => hits.push({ element: node, attribute, finding });
    const v = vAttr.value;
    const s = sAttr.value.trim();
    const dn = plainAttribute(node, 'DN')?.value;
    const list = lists.get(s);
    if (!list) {
      hit(
        'S',
        ruleFinding(
          'CODELIST-UNKNOWN-OID',
          `${name}: code system ${s} is not among this profile's code lists, so V="${v}" was not checked`,
        ),
      );
      continue;
    }
    const display = list.codes.get(v);
    if (display === undefined) {
      const known = [...list.codes.keys()];
      hit(
        'V',
        ruleFinding(
          'CODELIST-VALUE',
          `${name}: V="${v}" is not a code in ${list.oid} (${list.name}); valid codes: ${known.length > 12 ? `${known.slice(0, 12).join(', ')}, …` : known.join(', ')}`,
          { reference: `Kodeverk ${list.oid} ${list.name}` },
        ),
      );
    } else if (list.validity.size > 0 && outside(list.validity.get(v), day)) {
      const { from, to } = list.validity.get(v)!;
      const expired = to !== undefined && day() > to;
      const span = `${from ? `from ${from}` : ''}${from && to ? ' ' : ''}${to ? `to ${to}` : ''}`;
      hit('V', {
        ...ruleFinding(
          'CODELIST-VALUE',
          `${name}: V="${v}" in ${list.oid} (${list.name}) is ${expired ? 'expired' : 'not yet valid'} on the message's date ${day()}: it is valid ${span}`,
          { reference: `Kodeverk ${list.oid} ${list.name}` },
        ),
        messageNb: `Koden «${v}» i kodeverket ${list.oid} (${list.name}) ${expired ? 'er utgått' : 'er ikke gyldig ennå'} på meldingens dato ${day()}: den gjelder ${from ? `fra ${from}` : ''}${from && to ? ' ' : ''}${to ? `til ${to}` : ''}.`,
      });
    } else if (dn !== undefined && display && dn.trim() !== display) {
      hit(
        'DN',
        ruleFinding('CODELIST-DN', `${name}: DN="${dn}" differs from the code list's text for ${v} in ${list.oid}: "${display}"`, {
          reference: `Kodeverk ${list.oid} ${list.name}`,
        }),
      );
    }
  }
  return hits;
}

function outside(validity: { from?: string; to?: string } | undefined, day: () => string): boolean {
  return (
    validity !== undefined && ((validity.from !== undefined && day() < validity.from) || (validity.to !== undefined && day() > validity.to))
  );
}

function plainAttribute(node: LightNode, name: string): LightNode | undefined {
  for (const a of node.attributes) if (a.local === name && a.ns === '') return a;
  return undefined;
}
