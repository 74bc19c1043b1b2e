import { XmlXPath, type XmlDocument, type XmlElement } from 'libxml2-wasm';
import { ruleFinding } from '../core/rule-catalogue.js';
import type { Finding } from '../core/finding.js';
import { SamsvarError } from '../core/samsvar-error.js';
import type { LoadedProfile, XmlProfileManifest } from '../profiles/manifest.js';

export interface CodeList {
  oid: string;
  name: string;
  codes: Map<string, string>;
}

export interface CodeHit {
  element: XmlElement;
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
        throw new SamsvarError('profile_invalid', `profile ${p.manifest.id}: code list ${rel} needs "oid" and "codes": [{ "code", "display" }]`);
      }
      const codes = new Map<string, string>();
      for (const c of raw.codes as { code?: unknown; display?: unknown }[]) {
        if (typeof c.code !== 'string') throw new SamsvarError('profile_invalid', `profile ${p.manifest.id}: code list ${rel} has an entry without a string "code"`);
        codes.set(c.code, typeof c.display === 'string' ? c.display : '');
      }
      // The profile's own list wins over a used profile's list with the same OID.
      if (!lists.has(raw.oid)) lists.set(raw.oid, { oid: raw.oid, name: typeof raw.name === 'string' ? raw.name : raw.oid, codes });
    }
  }
  return lists;
}

const CODED = XmlXPath.compile('//*[@V and @S]');

/**
 * Checks every coded value (V with code system S, display DN): an unknown code is an error, a
 * display text that differs from the list's a warning, a code system the profile lacks information.
 */
export function checkCodedValues(doc: XmlDocument, lists: Map<string, CodeList>): CodeHit[] {
  const hits: CodeHit[] = [];
  for (const node of doc.find(CODED)) {
    const el = node as XmlElement;
    const v = el.attr('V')?.value ?? '';
    const s = (el.attr('S')?.value ?? '').trim();
    const dn = el.attr('DN')?.value;
    const list = lists.get(s);
    if (!list) {
      hits.push({
        element: el,
        attribute: 'S',
        finding: ruleFinding('CODELIST-UNKNOWN-OID', `${el.name}: code system ${s} is not among this profile's code lists, so V="${v}" was not checked`),
      });
      continue;
    }
    const display = list.codes.get(v);
    if (display === undefined) {
      const known = [...list.codes.keys()];
      hits.push({
        element: el,
        attribute: 'V',
        finding: ruleFinding(
          'CODELIST-VALUE',
          `${el.name}: V="${v}" is not a code in ${list.oid} (${list.name}); valid codes: ${known.length > 12 ? `${known.slice(0, 12).join(', ')}, …` : known.join(', ')}`,
          { reference: `Kodeverk ${list.oid} ${list.name}` },
        ),
      });
    } else if (dn !== undefined && display && dn.trim() !== display) {
      hits.push({
        element: el,
        attribute: 'DN',
        finding: ruleFinding('CODELIST-DN', `${el.name}: DN="${dn}" differs from the code list's text for ${v} in ${list.oid}: "${display}"`, { reference: `Kodeverk ${list.oid} ${list.name}` }),
      });
    }
  }
  return hits;
}
