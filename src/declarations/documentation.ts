import { sha256Hex } from '../core/sha256.js';
import { SamsvarError } from '../core/samsvar-error.js';
import type { DocumentDigest } from './declaration.js';

/** What a vendor may attach to a level A declaration: documents people read, not executables or archives. */
export const DOCUMENT_MEDIA_TYPES = ['application/pdf', 'text/plain', 'text/markdown'] as const;
export const MAX_DOCUMENTS = 10;
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;

export interface UploadedDocument {
  name: string;
  mediaType: string;
  /** The bytes, base64-encoded (RFC 4648, standard alphabet). */
  content: string;
}

export interface AcceptedDocument {
  digest: DocumentDigest;
  bytes: Uint8Array;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function refuse(i: number, why: string): SamsvarError {
  return new SamsvarError('unprocessable', `documents[${i}] ${why}`, { field: `documents[${i}]` });
}

/**
 * Decodes and checks the documents of a level A declaration: each must be what its media type
 * says (a PDF starts with %PDF-, text is UTF-8), within the size limit, and named without paths.
 * Returns the bytes to store and the digests to sign.
 */
export function acceptDocuments(docs: readonly UploadedDocument[]): AcceptedDocument[] {
  if (docs.length === 0) throw new SamsvarError('unprocessable', 'attach at least one document', { field: 'documents' });
  if (docs.length > MAX_DOCUMENTS)
    throw new SamsvarError('unprocessable', `attach at most ${MAX_DOCUMENTS} documents`, { field: 'documents' });
  const accepted = docs.map((d, i): AcceptedDocument => {
    const name = d.name.normalize('NFC').trim();
    if (!name || /[/\\\u0000-\u001f\u007f]/.test(name)) throw refuse(i, 'needs a file name without path separators or control characters');
    if (!(DOCUMENT_MEDIA_TYPES as readonly string[]).includes(d.mediaType))
      throw refuse(i, `has media type ${d.mediaType}; accepted are ${DOCUMENT_MEDIA_TYPES.join(', ')}`);
    // Checked before decoding, so a huge body is refused without allocating its bytes.
    if (Math.floor((d.content.length * 3) / 4) > MAX_DOCUMENT_BYTES + 2) throw refuse(i, `is larger than ${MAX_DOCUMENT_BYTES} bytes`);
    if (d.content.length % 4 !== 0 || !BASE64.test(d.content)) throw refuse(i, 'content is not valid base64');
    const bytes = new Uint8Array(Buffer.from(d.content, 'base64'));
    if (bytes.length === 0) throw refuse(i, 'is empty');
    if (bytes.length > MAX_DOCUMENT_BYTES) throw refuse(i, `is larger than ${MAX_DOCUMENT_BYTES} bytes`);
    if (d.mediaType === 'application/pdf' && Buffer.from(bytes.subarray(0, 5)).toString('latin1') !== '%PDF-')
      throw refuse(i, 'is declared as application/pdf but does not start with %PDF-');
    if (d.mediaType.startsWith('text/')) {
      try {
        utf8.decode(bytes);
      } catch {
        throw refuse(i, `is declared as ${d.mediaType} but is not valid UTF-8`);
      }
    }
    return { digest: { name, mediaType: d.mediaType, size: bytes.length, sha256: sha256Hex(bytes) }, bytes };
  });
  const shas = accepted.map((a) => a.digest.sha256);
  const dup = shas.find((s, i) => shas.indexOf(s) !== i);
  if (dup) throw new SamsvarError('unprocessable', `the same document is attached twice (SHA-256 ${dup})`, { field: 'documents' });
  return accepted;
}
