#!/usr/bin/env node
// `npm run cycles`: no import cycle between modules of src/ (type-only imports included), and none
// between its folders (src/xml may use src/profiles, then src/profiles may not use src/xml).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import madge from 'madge';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const result = await madge(path.join(root, 'src'), {
  fileExtensions: ['ts', 'tsx'],
  tsConfig: path.join(root, 'tsconfig.json'),
});

const fileCycles = result.circular();
const folderOf = (file) => (file.includes('/') ? file.slice(0, file.indexOf('/')) : '(src)');
const folders = new Map();
for (const [file, deps] of Object.entries(result.obj())) {
  for (const dep of deps) {
    const [a, b] = [folderOf(file), folderOf(dep)];
    if (a === b) continue;
    if (!folders.has(a)) folders.set(a, new Map());
    if (!folders.get(a).has(b)) folders.get(a).set(b, []);
    folders.get(a).get(b).push(`${file} -> ${dep}`);
  }
}
// Two folders in a cycle: one reaches the other and back (a depth-first search over folder edges).
const reaches = (from, to, seen = new Set()) => {
  if (from === to) return true;
  if (seen.has(from)) return false;
  seen.add(from);
  return [...(folders.get(from)?.keys() ?? [])].some((next) => reaches(next, to, seen));
};
const folderCycles = [];
for (const [a, targets] of folders)
  for (const [b, edges] of targets) if (a < b || !folders.get(b)?.has(a)) if (reaches(b, a)) folderCycles.push({ a, b, edges });

for (const cycle of fileCycles) console.error(`module cycle: ${cycle.join(' -> ')}`);
for (const c of folderCycles) console.error(`folder cycle: ${c.a} -> ${c.b} -> … -> ${c.a} (${c.edges.slice(0, 3).join('; ')})`);
if (fileCycles.length || folderCycles.length) process.exit(1);
console.log(`no import cycles among ${Object.keys(result.obj()).length} modules of src/ and their folders`);
