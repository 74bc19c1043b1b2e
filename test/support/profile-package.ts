import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import * as tar from 'tar';

/**
 * A small XML profile of our own ("oppgave": an Oppgave with an Id and a coded Status) with a
 * Schematron rule, a code list, one test case and examples, as the README's worked example.
 */
export const NS = 'urn:samsvar:eksempel:oppgave';

export interface PackageOptions {
  version?: string;
  /** Extra or replaced files (relative path → content). */
  files?: Record<string, string>;
  /** Leave out these files. */
  without?: string[];
}

export function oppgaveFiles(opts: PackageOptions = {}): Record<string, string> {
  const files: Record<string, string> = {
    'profile.json': JSON.stringify(
      {
        id: 'eksempel-oppgave',
        version: opts.version ?? '1.0.0',
        title: 'Eksempel: oppgave',
        kind: 'xml',
        status: 'active',
        schema: 'oppgave.xsd',
        rules: ['rules/oppgave.sch'],
        codelists: ['codelists/oppgavestatus.json'],
        detect: { rootNamespace: NS },
        messageTypes: ['Oppgave'],
      },
      null,
      2,
    ),
    'oppgave.xsd': `<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="${NS}" xmlns="${NS}" elementFormDefault="qualified">
  <xs:element name="Oppgave">
    <xs:complexType><xs:sequence>
      <xs:element name="Id" type="xs:string"/>
      <xs:element name="Status"><xs:complexType><xs:attribute name="V" type="xs:string" use="required"/><xs:attribute name="S" type="xs:string"/><xs:attribute name="DN" type="xs:string"/></xs:complexType></xs:element>
    </xs:sequence></xs:complexType>
  </xs:element>
</xs:schema>
`,
    'rules/oppgave.sch': `<?xml version="1.0" encoding="UTF-8"?>
<sch:schema xmlns:sch="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt">
  <sch:ns prefix="o" uri="${NS}"/>
  <sch:pattern><sch:rule context="/o:Oppgave">
    <sch:assert id="OPG-0001" role="error" test="normalize-space(o:Id) != ''">Id must not be empty.</sch:assert>
  </sch:rule></sch:pattern>
</sch:schema>
`,
    'codelists/oppgavestatus.json': JSON.stringify({
      oid: '2.999.1.1',
      name: 'Oppgavestatus',
      codes: [
        { code: '1', display: 'Ny' },
        { code: '2', display: 'Ferdig' },
      ],
    }),
    'testcases/eksempel-oppgave-ny.json': JSON.stringify(
      {
        id: 'eksempel-oppgave-ny',
        profile: 'eksempel-oppgave',
        kind: 'submit',
        title: 'Ny oppgave',
        description: 'Last opp en ny oppgave fra systemet.',
        namespaces: { o: NS },
        expect: { assertions: [{ id: 'TC-OPG-NY', xpath: "/o:Oppgave/o:Status/@V = '1'", message: 'Oppgaven skal ha status 1 (Ny).' }] },
      },
      null,
      2,
    ),
    'examples/valid/ny.xml': `<?xml version="1.0" encoding="UTF-8"?>\n<Oppgave xmlns="${NS}"><Id>42</Id><Status V="1" S="2.999.1.1" DN="Ny"/></Oppgave>\n`,
    'examples/invalid/OPG-0001--tom-id.xml': `<?xml version="1.0" encoding="UTF-8"?>\n<Oppgave xmlns="${NS}"><Id> </Id><Status V="1" S="2.999.1.1" DN="Ny"/></Oppgave>\n`,
    ...opts.files,
  };
  for (const f of opts.without ?? []) delete files[f];
  return files;
}

export function zipPackage(files: Record<string, string | Uint8Array>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, typeof v === 'string' ? strToU8(v) : v])));
}

/** Writes the files into a fresh directory (for the CLI and the README example). */
export function writePackageDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'samsvar-pkg-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

/** A Patient profile of our own (`oppgave-pasient`) that requires birthDate; `extra` fields replace or add to it. */
export function oppgavePasientProfile(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resourceType: 'StructureDefinition',
    id: 'oppgave-pasient',
    url: 'http://samsvar.test/StructureDefinition/oppgave-pasient',
    name: 'OppgavePasient',
    status: 'active',
    kind: 'resource',
    abstract: false,
    type: 'Patient',
    baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Patient',
    derivation: 'constraint',
    differential: {
      element: [
        { id: 'Patient', path: 'Patient' },
        { id: 'Patient.birthDate', path: 'Patient.birthDate', min: 1 },
      ],
    },
    ...extra,
  };
}

/** A FHIR package in npm layout (gzipped tar) with this name and version, on R4 core, holding one StructureDefinition. */
export async function fhirPackageTgz(name: string, version: string, structureDefinition: Record<string, unknown>) {
  const src = mkdtempSync(path.join(tmpdir(), 'samsvar-fhirpkg-'));
  mkdirSync(path.join(src, 'package'));
  writeFileSync(
    path.join(src, 'package', 'package.json'),
    JSON.stringify({ name, version, fhirVersions: ['4.0.1'], dependencies: { 'hl7.fhir.r4.core': '4.0.1' } }),
  );
  writeFileSync(
    path.join(src, 'package', `StructureDefinition-${String(structureDefinition.id)}.json`),
    JSON.stringify(structureDefinition),
  );
  const file = path.join(src, 'p.tgz');
  await tar.c({ gzip: true, cwd: src, file, portable: true }, ['package']);
  return readFileSync(file);
}
