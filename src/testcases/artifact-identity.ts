import { sha256Hex } from '../core/sha256.js';

/**
 * What makes an artifact the same evidence as another, beyond its bytes: the MsgId of a message
 * (MsgHead MsgInfo/MsgId, a standalone message's MsgId, an AppRec's Id), and for a FHIR resource
 * the SHA-256 of its content in one canonical form (keys sorted, no whitespace; id and meta left
 * out, since a server assigns both), so that re-indenting or renumbering a resource does not make
 * it new.
 */
export interface ArtifactIdentity {
  msgId?: string;
  /** Where the MsgId stands, for the finding that names it. */
  msgIdAt?: { line?: number; column?: number; xpath?: string };
  resourceSha256?: string;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function resourceFingerprint(resource: unknown): string {
  if (!resource || typeof resource !== 'object' || Array.isArray(resource)) return sha256Hex(canonical(resource));
  const { id: _id, meta: _meta, ...content } = resource as Record<string, unknown>;
  return sha256Hex(canonical(content));
}
