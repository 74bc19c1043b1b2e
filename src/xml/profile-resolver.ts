import path from 'node:path/posix';
import { ParseOption, XmlDocument } from 'libxml2-wasm';
import { SamsvarError } from '../core/samsvar-error.js';
import type { ProfileCatalog } from '../profiles/catalog.js';
import type { LoadedProfile, XmlProfileManifest } from '../profiles/manifest.js';

/** Profile files are addressed as samsvar-profile://<profile id>/<relative path>, so relative schemaLocations just work. */
export const PROFILE_SCHEME = 'samsvar-profile://';

export function profileFileUrl(profileId: string, relPath: string): string {
  return `${PROFILE_SCHEME}${profileId}/${relPath}`;
}

const CATALOG_NS = 'urn:oasis:names:tc:entity:xmlns:xml:catalog';
export const SAFE_PARSE = ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE;

interface CatalogEntry {
  kind: 'exact' | 'prefix';
  from: string;
  /** Target as a samsvar-profile:// URL (exact) or URL prefix (prefix). */
  to: string;
}

/** Reads an OASIS XML catalog (uri, system, rewriteURI, rewriteSystem) into entries pointing at profile files. */
export function readCatalog(profile: LoadedProfile, catalogPath: string): CatalogEntry[] {
  const bytes = profile.files.get(catalogPath);
  if (!bytes) throw new SamsvarError('profile_invalid', `profile ${profile.manifest.id}: catalog ${catalogPath} is not in the profile`);
  const base = profileFileUrl(profile.manifest.id, catalogPath);
  const target = (rel: string) => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(rel)) return rel;
    return profileFileUrl(profile.manifest.id, path.normalize(path.join(path.dirname(catalogPath), rel)));
  };
  let doc: XmlDocument;
  try {
    doc = XmlDocument.fromBuffer(bytes, { url: base, option: SAFE_PARSE });
  } catch (e) {
    throw new SamsvarError(
      'profile_invalid',
      `profile ${profile.manifest.id}: catalog ${catalogPath} is not well-formed XML: ${(e as Error).message.trim()}`,
    );
  }
  try {
    const ns = { c: CATALOG_NS };
    const entries: CatalogEntry[] = [];
    for (const node of doc.find('//c:uri | //c:system', ns)) {
      const el = node as unknown as { name: string; attr(n: string): { value: string } | null };
      const from = el.attr(el.name === 'uri' ? 'name' : 'systemId')?.value;
      const to = el.attr('uri')?.value;
      if (from && to) entries.push({ kind: 'exact', from, to: target(to) });
    }
    for (const node of doc.find('//c:rewriteURI | //c:rewriteSystem', ns)) {
      const el = node as unknown as { name: string; attr(n: string): { value: string } | null };
      const from = el.attr(el.name === 'rewriteURI' ? 'uriStartString' : 'systemIdStartString')?.value;
      const to = el.attr('rewritePrefix')?.value;
      if (from && to) entries.push({ kind: 'prefix', from, to: target(to.endsWith('/') ? to : `${to}/`).replace(/\/?$/, '/') });
    }
    return entries;
  } finally {
    doc.dispose();
  }
}

/**
 * Resolves the URLs a profile's schemas refer to, using only the profile's own files, the files of
 * the profiles it `uses`, and their catalogs. Anything else is unresolvable: nothing is ever fetched.
 */
export class ProfileResolver {
  private readonly allowed = new Map<string, LoadedProfile>();
  private readonly catalogs: CatalogEntry[] = [];

  constructor(
    readonly profile: LoadedProfile,
    catalog: ProfileCatalog,
  ) {
    const visit = (p: LoadedProfile, chain: string[]) => {
      if (this.allowed.has(p.manifest.id)) return;
      this.allowed.set(p.manifest.id, p);
      const m = p.manifest as XmlProfileManifest;
      if (m.catalog) this.catalogs.push(...readCatalog(p, m.catalog));
      for (const used of m.uses ?? []) {
        if (chain.includes(used))
          throw new SamsvarError('profile_invalid', `profile ${p.manifest.id}: circular 'uses' ${[...chain, used].join(' -> ')}`);
        const dep = catalog.get(used);
        if (!dep) throw new SamsvarError('profile_invalid', `profile ${p.manifest.id} uses profile '${used}', which is not installed`);
        if (dep.manifest.kind !== 'xml')
          throw new SamsvarError('profile_invalid', `profile ${p.manifest.id} uses '${used}', which is not an XML profile`);
        visit(dep, [...chain, used]);
      }
    };
    visit(profile, [profile.manifest.id]);
  }

  /** The profiles whose files are visible: this one first, then those it uses. */
  get profiles(): LoadedProfile[] {
    return [...this.allowed.values()];
  }

  /** Maps a URL through the catalogs to a samsvar-profile:// URL, or returns it unchanged. */
  mapUrl(url: string): string {
    for (const e of this.catalogs) if (e.kind === 'exact' && e.from === url) return e.to;
    let best: CatalogEntry | undefined;
    for (const e of this.catalogs)
      if (e.kind === 'prefix' && url.startsWith(e.from) && (!best || e.from.length > best.from.length)) best = e;
    return best ? best.to + url.slice(best.from.length) : url;
  }

  /** The bytes behind a URL, or undefined when the profile set has no such file. */
  load(url: string): Uint8Array | undefined {
    const mapped = this.mapUrl(url);
    if (!mapped.startsWith(PROFILE_SCHEME)) return undefined;
    const rest = mapped.slice(PROFILE_SCHEME.length);
    const slash = rest.indexOf('/');
    if (slash < 0) return undefined;
    const owner = this.allowed.get(rest.slice(0, slash));
    const rel = path.normalize(decodeURIComponent(rest.slice(slash + 1)));
    if (!owner || rel.startsWith('..')) return undefined;
    return owner.files.get(rel);
  }
}
