import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FhirResource, StructureDefinition } from '../../src/fhir/conformance-store.js';
import { FhirValidator } from '../../src/fhir/fhir-validator.js';
import { ProfileCatalog, loadCatalog, loadProfileDir } from '../../src/profiles/catalog.js';
import type { FormatResult } from '../../src/engine/engine.js';

export interface TestProfile {
  id: string;
  sd: Partial<StructureDefinition> & { url: string; type: string };
  extra?: FhirResource[];
}

/** A differential-only profile on a base resource, as a test writes it. */
export function profileOn(
  type: string,
  id: string,
  elements: Record<string, unknown>[],
  more: Record<string, unknown> = {},
): TestProfile['sd'] {
  return {
    resourceType: 'StructureDefinition',
    id,
    url: `http://samsvar.test/StructureDefinition/${id}`,
    name: id.replace(/-/g, ''),
    status: 'active',
    kind: 'resource',
    abstract: false,
    type,
    baseDefinition: `http://hl7.org/fhir/StructureDefinition/${type}`,
    derivation: 'constraint',
    differential: { element: [{ id: type, path: type }, ...elements] as never },
    ...more,
  };
}

/**
 * A one-value extension definition of our own (http://samsvar.test/StructureDefinition/<id>), usable
 * where `context` says; `value` constrains Extension.value[x] (its type, min, constraints).
 */
export function extensionOn(
  id: string,
  context: { type: string; expression: string }[],
  value: Record<string, unknown>,
  more: Record<string, unknown> = {},
): FhirResource & { url: string } {
  const url = `http://samsvar.test/StructureDefinition/${id}`;
  return {
    resourceType: 'StructureDefinition',
    id,
    url,
    name: id.replace(/-/g, ''),
    status: 'active',
    kind: 'complex-type',
    abstract: false,
    context,
    type: 'Extension',
    baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Extension',
    derivation: 'constraint',
    differential: {
      element: [
        { id: 'Extension', path: 'Extension' },
        { id: 'Extension.extension', path: 'Extension.extension', max: '0' },
        { id: 'Extension.url', path: 'Extension.url', fixedUri: url },
        { id: 'Extension.value[x]', path: 'Extension.value[x]', ...value },
      ],
    },
    ...more,
  };
}

/** A catalog holding the given profiles (written to a temp dir and loaded as real profile directories). */
export function catalogWith(profiles: TestProfile[], opts: { shipped?: boolean } = {}): ProfileCatalog {
  const root = mkdtempSync(path.join(os.tmpdir(), 'samsvar-fhir-'));
  const catalog = opts.shipped ? loadCatalog({ importedDir: path.join(root, 'none') }) : new ProfileCatalog();
  for (const p of profiles) {
    const dir = path.join(root, p.id);
    mkdirSync(dir, { recursive: true });
    const files = [`sd.json`, ...(p.extra ?? []).map((_, i) => `extra-${i}.json`)];
    writeFileSync(path.join(dir, 'sd.json'), JSON.stringify({ resourceType: 'StructureDefinition', ...p.sd }));
    (p.extra ?? []).forEach((r, i) => writeFileSync(path.join(dir, `extra-${i}.json`), JSON.stringify(r)));
    writeFileSync(
      path.join(dir, 'profile.json'),
      JSON.stringify({ id: p.id, version: '1.0.0', title: p.id, kind: 'fhir', url: p.sd.url, resources: files }),
    );
    catalog.add(loadProfileDir(dir, 'imported'));
  }
  return catalog;
}

export function bytes(resource: unknown): Uint8Array {
  return new TextEncoder().encode(typeof resource === 'string' ? resource : JSON.stringify(resource, null, 2));
}

export async function check(v: FhirValidator, resource: unknown, profile?: string): Promise<FormatResult> {
  return v.validate(bytes(resource), profile);
}

export function errors(r: FormatResult): string[] {
  return r.findings.filter((f) => f.severity === 'error').map((f) => f.ruleId);
}

export function rules(r: FormatResult): string[] {
  return r.findings.map((f) => f.ruleId);
}

export function findingOf(r: FormatResult, ruleId: string) {
  const f = r.findings.find((x) => x.ruleId === ruleId);
  if (!f) throw new Error(`no ${ruleId} among ${JSON.stringify(r.findings, null, 1)}`);
  return f;
}

export const baseValidator = (): FhirValidator => new FhirValidator(new ProfileCatalog());
