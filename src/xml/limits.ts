/** Defaults for hostile-input limits; a profile manifest's `limits` may lower or raise them. */
export const DEFAULT_MAX_BYTES = 25 * 1024 * 1024;
/** KITH messages nest a few dozen levels at most; libxml2 itself stops at 256. */
export const DEFAULT_MAX_DEPTH = 200;
/** Findings reported per document (the most severe ones); the rest are counted, not listed. */
export const MAX_FINDINGS = 1000;
