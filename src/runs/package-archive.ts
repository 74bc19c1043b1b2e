/**
 * Unpacks a profile package (zip or gzipped tar) into a fresh directory, refusing hostile archives
 * before anything is written: entry names that leave the directory (absolute, `..`, drive letters,
 * backslashes), links and device entries, too many entries and archives that unpack to more than
 * the limit (zip bombs: the declared sizes are checked first, the inflated sizes again).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { SamsvarError } from '../core/samsvar-error.js';
import { unpackTarArchive } from '../fhir/package-import.js';

export interface ArchiveLimits {
  /** Number of entries, directories included; default 10,000. */
  maxEntries: number;
  /** Sum of the unpacked file sizes; default 200 MB. */
  maxUnpackedBytes: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = { maxEntries: 10_000, maxUnpackedBytes: 200 * 1024 * 1024 };

export type ArchiveFormat = 'zip' | 'tgz';

export function archiveFormat(bytes: Uint8Array): ArchiveFormat | undefined {
  if (
    bytes.length >= 4 &&
    bytes[0] === 0x50 &&
    bytes[1] === 0x4b &&
    (bytes[2] === 3 || bytes[2] === 5) &&
    (bytes[3] === 4 || bytes[3] === 6)
  )
    return 'zip';
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return 'tgz';
  return undefined;
}

const refused = (why: string) => new SamsvarError('bad_request', `package refused: ${why}`);

/** A relative POSIX path that stays inside the directory it is unpacked into. */
export function safeEntryName(name: string): boolean {
  if (!name || name.length > 400 || name.includes('\\') || name.includes('\0') || name.startsWith('/') || /^[a-zA-Z]:/.test(name))
    return false;
  return name.split('/').every((seg, i, all) => seg !== '..' && seg !== '.' && (seg !== '' || i === all.length - 1));
}

interface ZipEntry {
  name: string;
  unixType: number | undefined;
  size: number;
  crc: number;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Reads the zip central directory: names, declared sizes and Unix file types, without inflating anything. */
function zipDirectory(bytes: Uint8Array, limits: ArchiveLimits): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65_535); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw refused('not a readable zip archive (no end of central directory)');
  const count = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  let offset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || offset === 0xffffffff) throw refused('zip64 archives are not accepted');
  if (count > limits.maxEntries) throw refused(`the archive has ${count} entries; at most ${limits.maxEntries} are accepted`);
  if (offset + cdSize > bytes.length) throw refused('not a readable zip archive (central directory outside the file)');
  const decoder = new TextDecoder('utf-8', { fatal: false });
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (offset + 46 > bytes.length || view.getUint32(offset, true) !== 0x02014b50)
      throw refused('not a readable zip archive (broken central directory)');
    const madeBy = view.getUint16(offset + 4, true) >> 8;
    const crc = view.getUint32(offset + 16, true);
    const size = view.getUint32(offset + 24, true);
    const nameLen = view.getUint16(offset + 28, true);
    const extraLen = view.getUint16(offset + 30, true);
    const commentLen = view.getUint16(offset + 32, true);
    const external = view.getUint32(offset + 38, true);
    const name = decoder.decode(bytes.subarray(offset + 46, offset + 46 + nameLen));
    // Host 3 is Unix: the upper 16 bits carry st_mode, which tells a symbolic link from a file.
    entries.push({ name, size, crc, unixType: madeBy === 3 ? (external >>> 16) & 0o170000 : undefined });
    offset += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

function writeInside(root: string, name: string, data: Uint8Array | undefined): void {
  const target = path.resolve(root, name);
  if (!target.startsWith(root + path.sep)) throw refused(`entry '${name}' points outside the package`);
  if (data === undefined) {
    mkdirSync(target, { recursive: true });
    return;
  }
  mkdirSync(path.dirname(target), { recursive: true });
  // 'wx': a name given twice in the archive must not overwrite (or follow) what is already there.
  writeFileSync(target, data, { flag: 'wx' });
}

function unpackZip(bytes: Uint8Array, into: string, limits: ArchiveLimits): void {
  const entries = zipDirectory(bytes, limits);
  let total = 0;
  for (const e of entries) {
    if (!safeEntryName(e.name)) throw refused(`entry '${e.name}' points outside the package (absolute path, '..' or backslash)`);
    if (e.unixType !== undefined && e.unixType !== 0 && e.unixType !== 0o100000 && e.unixType !== 0o040000) {
      throw refused(
        `entry '${e.name}' is ${e.unixType === 0o120000 ? 'a symbolic link' : 'not a plain file'}; only files and directories are accepted`,
      );
    }
    total += e.size;
    if (total > limits.maxUnpackedBytes) throw refused(`the archive unpacks to more than ${limits.maxUnpackedBytes} bytes`);
  }
  let files: Record<string, Uint8Array>;
  try {
    // fflate inflates each entry into a buffer of its declared size, so a lying entry cannot grow past the checked total.
    files = unzipSync(bytes, { filter: (f) => f.originalSize <= limits.maxUnpackedBytes });
  } catch (e) {
    throw refused(`not a readable zip archive: ${(e as Error).message}`);
  }
  const names = Object.keys(files);
  if (names.length !== entries.length) throw refused('the central directory and the entries disagree');
  // An entry that inflates to other bytes than its checksum says (a false declared size is cut short) is refused, not kept truncated.
  for (const e of entries) {
    const data = files[e.name];
    if (!e.name.endsWith('/') && (!data || data.length !== e.size || crc32(data) !== e.crc))
      throw refused(`entry '${e.name}' is damaged or declares a false size`);
  }
  mkdirSync(into, { recursive: true });
  const root = path.resolve(into);
  for (const name of names) writeInside(root, name, name.endsWith('/') ? undefined : files[name]);
}

/**
 * Unpacks `bytes` into `into` (created; must not exist). `scratch` is a directory for the
 * temporary tar file. Throws 400 with the reason for anything hostile or unreadable.
 */
export async function unpackPackage(
  bytes: Uint8Array,
  into: string,
  scratch: string,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
): Promise<ArchiveFormat> {
  const format = archiveFormat(bytes);
  if (!format) throw new SamsvarError('unsupported_media_type', 'a profile package is a zip archive or a gzipped tar archive (.tgz)');
  if (format === 'zip') unpackZip(bytes, into, limits);
  else {
    const file = path.join(scratch, 'package.tgz');
    writeFileSync(file, bytes);
    await unpackTarArchive(file, into, {
      maxArchiveBytes: bytes.length,
      maxEntries: limits.maxEntries,
      maxUnpackedBytes: limits.maxUnpackedBytes,
    });
  }
  return format;
}

export type PackageLayout = { kind: 'profile'; dir: string; testcasesDir?: string } | { kind: 'fhir-package'; dir: string };

/** The manifest of a downloaded package (`GET /profiles/{id}/package`); named here so this module stays free of the test case code. */
const DOWNLOAD_MANIFEST = 'samsvar-package.json';

/** A downloaded package: its profile is profiles/<profile>/, its test cases (with templates/) are testcases/. */
function downloadedLayout(dir: string): PackageLayout {
  let profile: unknown;
  try {
    profile = (JSON.parse(readFileSync(path.join(dir, DOWNLOAD_MANIFEST), 'utf8')) as { profile?: unknown }).profile;
  } catch (e) {
    throw new SamsvarError('unprocessable', `${DOWNLOAD_MANIFEST} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof profile !== 'string' || !safeEntryName(profile) || profile.includes('/'))
    throw new SamsvarError('unprocessable', `${DOWNLOAD_MANIFEST} must name the package's profile ("profile": its id)`);
  const profileDir = path.join(dir, 'profiles', profile);
  if (!existsSync(path.join(profileDir, 'profile.json')))
    throw new SamsvarError(
      'unprocessable',
      `${DOWNLOAD_MANIFEST} names profile '${profile}', but profiles/${profile}/profile.json is not in the package`,
    );
  const testcasesDir = path.join(dir, 'testcases');
  return { kind: 'profile', dir: profileDir, ...(existsSync(testcasesDir) ? { testcasesDir } : {}) };
}

/**
 * Where the profile is in an unpacked package: `profile.json` at the top or in its only folder
 * (an archive of the folder itself), `package/package.json` (a FHIR package in the npm layout), or
 * `samsvar-package.json` (a package as `GET /profiles/{id}/package` gives it, at the top or in its only folder).
 */
export function packageLayout(dir: string): PackageLayout {
  if (existsSync(path.join(dir, DOWNLOAD_MANIFEST))) return downloadedLayout(dir);
  if (existsSync(path.join(dir, 'profile.json'))) return { kind: 'profile', dir };
  if (existsSync(path.join(dir, 'package', 'package.json'))) return { kind: 'fhir-package', dir };
  const top = readdirSync(dir).filter((n) => !n.startsWith('.'));
  if (top.length === 1 && statSync(path.join(dir, top[0]!)).isDirectory() && existsSync(path.join(dir, top[0]!, 'profile.json')))
    return { kind: 'profile', dir: path.join(dir, top[0]!) };
  if (top.length === 1 && statSync(path.join(dir, top[0]!)).isDirectory() && existsSync(path.join(dir, top[0]!, DOWNLOAD_MANIFEST)))
    return downloadedLayout(path.join(dir, top[0]!));
  throw new SamsvarError(
    'unprocessable',
    'the package has neither profile.json (a profile directory, at the top or in its only folder), samsvar-package.json (a downloaded profile package) nor package/package.json (a FHIR package)',
  );
}
