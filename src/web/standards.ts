import type { LoadedProfile } from '../profiles/manifest.js';

/** The standard a profile implements, as its manifest names it (older manifests: the title). */
export function standardName(p: LoadedProfile): string {
  const s = (p.manifest as { standard?: { name?: string; version?: string } }).standard;
  if (s?.name) return s.version ? `${s.name} ${s.version}` : s.name;
  return p.manifest.title.replace(/\s+[–-]\s+.*$/, '');
}
