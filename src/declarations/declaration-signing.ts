import { SamsvarError } from '../core/samsvar-error.js';
import { sha256Hex } from '../core/sha256.js';
import { signJson, verifyJson } from '../signing/jws.js';
import type { Jwks, SigningKey } from '../signing/key-store.js';
import { DECLARATION_TYPE, type CountersignatureContent, type DeclarationContent } from './declaration.js';

export function signDeclaration(content: DeclarationContent, key: SigningKey): Promise<string> {
  if (content.kid !== key.kid) throw new Error(`declaration names key ${content.kid} but is signed with ${key.kid}`);
  return signJson(content, key, 'samsvar-declaration+json');
}

export type DeclarationCheck =
  { valid: true; kid: string; declaration: DeclarationContent } | { valid: false; kid?: string; reason: string; declaration?: undefined };

/** Signature, key and shape: a token that verifies but is not a samsvar declaration is still invalid. */
export async function verifyDeclaration(jws: string, jwks: Jwks): Promise<DeclarationCheck> {
  const check = await verifyJson<DeclarationContent>(jws, jwks, 'samsvar-declaration+json');
  if (!check.valid) return check;
  const d = check.payload;
  if (!d || d.type !== DECLARATION_TYPE || typeof d.id !== 'string' || typeof d.expiresAt !== 'string' || !Array.isArray(d.conformsTo)) {
    return { valid: false, kid: check.kid, reason: 'the signed content is not a samsvar declaration' };
  }
  if (d.kid !== check.kid)
    return { valid: false, kid: check.kid, reason: `the declaration names key ${d.kid} but was signed by ${check.kid}` };
  return { valid: true, kid: check.kid, declaration: d };
}

export function declarationJwsSha256(jws: string): string {
  return sha256Hex(jws.trim());
}

export const COUNTERSIGN_STATEMENT_NB =
  'Testlaboratoriet har kjørt de oppførte testtilfellene på nytt mot systemversjonen med egne innsendinger og bekrefter resultatene i egenerklæringen (tillitsnivå C).';

export function buildCountersignature(
  declarationJws: string,
  declaration: DeclarationContent,
  by: CountersignatureContent['confirmedBy'],
  key: SigningKey,
  now: Date,
  retest?: CountersignatureContent['retest'],
): CountersignatureContent {
  // C means a laboratory confirmed the harness's tests, so only a tested (B) declaration qualifies.
  if (declaration.assuranceLevel !== 'B') {
    throw new SamsvarError(
      'conflict',
      `declaration ${declaration.id} has assurance level ${declaration.assuranceLevel}; only a B declaration can be countersigned to C`,
    );
  }
  return {
    type: 'samsvar-kontrasignatur/1',
    declarationId: declaration.id,
    declarationJwsSha256: declarationJwsSha256(declarationJws),
    assuranceLevel: 'C',
    confirmedBy: by,
    ...(retest ? { retest } : {}),
    statement: COUNTERSIGN_STATEMENT_NB,
    at: now.toISOString(),
    kid: key.kid,
  };
}

export function signCountersignature(content: CountersignatureContent, key: SigningKey): Promise<string> {
  return signJson(content, key, 'samsvar-countersignature+json');
}

/** A countersignature counts only if it verifies and binds this exact declaration token. */
export async function verifyCountersignature(
  token: string,
  declarationJws: string,
  jwks: Jwks,
): Promise<{ valid: boolean; reason?: string; content?: CountersignatureContent }> {
  const check = await verifyJson<CountersignatureContent>(token, jwks, 'samsvar-countersignature+json');
  if (!check.valid) return { valid: false, reason: check.reason };
  if (check.payload.declarationJwsSha256 !== declarationJwsSha256(declarationJws)) {
    return { valid: false, reason: 'the countersignature is for another declaration token' };
  }
  return { valid: true, content: check.payload };
}
