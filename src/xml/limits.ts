/** Defaults for hostile-input limits; a profile manifest's `limits` may lower or raise them. */
export const DEFAULT_MAX_BYTES = 25 * 1024 * 1024;
/** KITH messages nest a few dozen levels at most; libxml2 itself stops at 256. */
export const DEFAULT_MAX_DEPTH = 200;
