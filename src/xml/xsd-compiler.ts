import { XmlBufferInputProvider, XmlDocument, XmlLibError, XsdValidator, xmlRegisterInputProvider } from 'libxml2-wasm';
import { SamsvarError } from '../core/samsvar-error.js';
import type { XmlProfileManifest } from '../profiles/manifest.js';
import { profileFileUrl, SAFE_PARSE, type ProfileResolver } from './profile-resolver.js';

/**
 * libxml2 has one global set of input callbacks. Ours claims every URL, so that no schema reference
 * ever reaches libxml2's own file or network loaders; it serves files only while a profile's
 * schema is being compiled (compilation is synchronous), from that profile's resolver.
 */
let active: { resolver: ProfileResolver; unresolved: string[]; buffers: XmlBufferInputProvider } | undefined;
let registered = false;

function ensureProvider(): void {
  if (registered) return;
  registered = true;
  xmlRegisterInputProvider({
    match: () => true,
    open: (url: string) => {
      if (!active) return undefined;
      const bytes = active.resolver.load(url);
      if (!bytes) {
        active.unresolved.push(url);
        return undefined;
      }
      active.buffers.addBuffer(url, bytes);
      return active.buffers.open(url);
    },
    read: (fd: number, buf: Uint8Array) => (active ? active.buffers.read(fd, buf) : -1),
    close: (fd: number) => (active ? active.buffers.close(fd) : true),
  });
}

function describeLibError(e: unknown): string {
  if (e instanceof XmlLibError && e.details?.length) {
    return e.details.map((d) => `${d.file ? `${d.file}:` : ''}${d.line}: ${d.message.trim()}`).join('; ');
  }
  return (e as Error).message?.trim() ?? String(e);
}

/** Compiles a profile's entry XSD, with includes and imports served only from the profile set. */
export function compileProfileSchema(resolver: ProfileResolver): XsdValidator {
  ensureProvider();
  const manifest = resolver.profile.manifest as XmlProfileManifest;
  const entryUrl = profileFileUrl(manifest.id, manifest.schema);
  const entry = resolver.load(entryUrl);
  if (!entry) throw new SamsvarError('profile_invalid', `profile ${manifest.id}: schema ${manifest.schema} is not in the profile`);
  active = { resolver, unresolved: [], buffers: new XmlBufferInputProvider({}) };
  let xsdDoc: XmlDocument | undefined;
  try {
    xsdDoc = XmlDocument.fromBuffer(entry, { url: entryUrl, option: SAFE_PARSE });
    const validator = XsdValidator.fromDoc(xsdDoc);
    if (active.unresolved.length) {
      validator.dispose();
      throw new SamsvarError('profile_invalid', unresolvedMessage(manifest.id, active.unresolved));
    }
    return validator;
  } catch (e) {
    if (e instanceof SamsvarError) throw e;
    const hint = active.unresolved.length ? ` (${unresolvedMessage(manifest.id, active.unresolved)})` : '';
    throw new SamsvarError('profile_invalid', `profile ${manifest.id}: the schema does not compile: ${describeLibError(e)}${hint}`);
  } finally {
    xsdDoc?.dispose();
    active = undefined;
  }
}

function unresolvedMessage(id: string, urls: string[]): string {
  return `profile ${id}: schema references that are neither profile files nor mapped by its catalog: ${[...new Set(urls)].join(', ')} (nothing is fetched from the network; add the file to the profile and map the URL in the catalog)`;
}
