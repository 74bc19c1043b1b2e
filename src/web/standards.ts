import type { LoadedProfile } from '../profiles/manifest.js';
import { standardOf } from '../profiles/standards.js';

/** The standard and version a profile implements, as the pages name it (e.g. "PLO-meldinger 1.6"). */
export function standardName(p: LoadedProfile): string {
  const s = standardOf(p);
  return s.version ? `${s.name} ${s.version}` : s.name;
}
