/**
 * A directory's files as one byte string, for keeping a profile version in the database: the
 * relative paths in sorted order, each with its bytes, gzipped. Decoding checks every path, so
 * a damaged or foreign value can never write outside the directory it is unpacked into.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SamsvarError } from '../core/samsvar-error.js';

const MAGIC = 'samsvar-files/1\n';

/** Every file under `dir` (all of them, examples and hidden folders included), keyed by relative POSIX path. */
export function readDirFiles(dir: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) files.set(r, readFileSync(path.join(dir, r)));
    }
  };
  walk('');
  return files;
}

export function encodeFiles(files: Map<string, Uint8Array>): Uint8Array {
  const parts: Buffer[] = [Buffer.from(MAGIC)];
  for (const name of [...files.keys()].sort()) {
    const nameBytes = Buffer.from(name, 'utf8');
    const data = files.get(name)!;
    const head = Buffer.alloc(8);
    head.writeUInt32BE(nameBytes.length, 0);
    head.writeUInt32BE(data.length, 4);
    parts.push(head, nameBytes, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }
  return gzipSync(Buffer.concat(parts));
}

const SAFE_SEGMENT = /^[^/\\\0]+$/;

export function decodeFiles(bytes: Uint8Array): Map<string, Uint8Array> {
  const bad = (why: string) => new SamsvarError('profile_invalid', `a stored profile package is damaged: ${why}`);
  let raw: Buffer;
  try {
    raw = gunzipSync(bytes);
  } catch (e) {
    throw bad((e as Error).message);
  }
  if (raw.subarray(0, MAGIC.length).toString() !== MAGIC) throw bad('unknown format');
  const files = new Map<string, Uint8Array>();
  let at = MAGIC.length;
  while (at < raw.length) {
    if (at + 8 > raw.length) throw bad('truncated');
    const nameLength = raw.readUInt32BE(at);
    const dataLength = raw.readUInt32BE(at + 4);
    at += 8;
    if (at + nameLength + dataLength > raw.length) throw bad('truncated');
    const name = raw.subarray(at, at + nameLength).toString('utf8');
    at += nameLength;
    if (!name.split('/').every((s) => SAFE_SEGMENT.test(s) && s !== '.' && s !== '..')) throw bad(`file name '${name}'`);
    files.set(name, raw.subarray(at, at + dataLength));
    at += dataLength;
  }
  return files;
}

/** Writes the files under `dir` (which should be new or empty). */
export function writeFiles(dir: string, files: Map<string, Uint8Array>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, data] of files) {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, data);
  }
}
