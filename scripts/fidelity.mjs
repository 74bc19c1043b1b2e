#!/usr/bin/env node
// `npm run fidelity`: samsvar's verdicts against the official tools, XML (xmllint and the official
// XSD sets) and FHIR (the HL7 validator's R4 test cases). Arguments go to both scripts' readers:
//   npm run fidelity -- --messages DIR --cases DIR
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const pick = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? [name, args[i + 1]] : [];
};
let status = 0;
for (const [script, extra] of [
  ['fidelity-xml.mjs', pick('--messages')],
  ['fidelity-fhir.mjs', pick('--cases')],
]) {
  const r = spawnSync(process.execPath, [path.join(here, script), ...extra], { stdio: 'inherit' });
  status ||= r.status ?? 1;
}
process.exit(status);
