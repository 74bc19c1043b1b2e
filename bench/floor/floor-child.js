// One process of the floor section: validates every `parts`-th document of the list from `part` on,
// one layer set per mode, and prints its time and the documents it found invalid as JSON. Run as
//   node floor-child.js MODE PART PARTS LIST_FILE PROFILE SCHEMA [ADDON]
// native: parse + XSD in a natively linked libxml2 (ADDON, built by floor-bench.js) with the
//         profile's entry XSD (SCHEMA; imports through XML_CATALOG_FILES), nothing of samsvar loaded;
// wasm:   parse + XSD as samsvar runs them (prescan, libxml2's WebAssembly, the profile's compiled schema);
// engine: samsvar's engine with every layer, as the CLI's workers run it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const [mode, partArg, partsArg, listFile, profileId, schemaPath, addonPath] = process.argv.slice(2);
const part = Number(partArg);
const parts = Number(partsArg);
const files = readFileSync(listFile, 'utf8')
  .split('\n')
  .filter((f, i) => f && i % parts === part);
const dist = new URL('../../dist/', import.meta.url);

async function samsvarCatalog() {
  const { loadCatalog } = await import(new URL('profiles/catalog.js', dist));
  return loadCatalog({ importedDir: new URL('../../.bench-tmp/no-imports', import.meta.url).pathname });
}

let check;
if (mode === 'native') {
  const addon = createRequire(import.meta.url)(addonPath);
  if (!addon.load(schemaPath)) throw new Error(`native: the schema ${schemaPath} does not compile`);
  check = (bytes) => addon.validate(bytes) === 0;
} else if (mode === 'wasm') {
  const catalog = await samsvarCatalog();
  const { ProfileResolver } = await import(new URL('xml/profile-resolver.js', dist));
  const { compileProfileSchema } = await import(new URL('xml/xsd-compiler.js', dist));
  const { readXml } = await import(new URL('xml/read-xml.js', dist));
  const xsd = compileProfileSchema(new ProfileResolver(catalog.require(profileId), catalog));
  check = (bytes) => {
    const { parsed } = readXml(bytes);
    if (!parsed) return false;
    try {
      xsd.validate(parsed.doc);
      return true;
    } catch {
      return false;
    } finally {
      parsed.doc.dispose();
    }
  };
} else if (mode === 'engine') {
  const { Engine } = await import(new URL('engine/engine.js', dist));
  const engine = new Engine(await samsvarCatalog());
  check = async (bytes) => (await engine.validate(bytes, { profile: profileId })).valid;
} else {
  throw new Error(`floor-child: unknown mode ${mode}`);
}

const t0 = performance.now();
const invalid = [];
for (const file of files) if (!(await check(readFileSync(file)))) invalid.push(file);
process.stdout.write(JSON.stringify({ documents: files.length, invalid, loopMs: performance.now() - t0 }));
