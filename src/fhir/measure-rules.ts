/**
 * The rules the HL7 validator applies to a Measure beyond its StructureDefinition: groups,
 * populations and stratifiers carry the codes reports are matched by, and CQL criteria need a
 * library. The CQL itself is not read (nor is it by samsvar anywhere).
 */
import type { ConformanceStore } from './conformance-store.js';
import type { FindingSink } from './capped-report.js';
import { list, objects, prop, type JsonObject } from './json-nodes.js';

interface MeasureRulesWalk extends FindingSink {
  readonly store: ConformanceStore;
}

const CQL = new Set(['text/cql', 'text/cql.identifier']);

export function checkMeasure(walk: MeasureRulesWalk, node: JsonObject, path: string): void {
  let libraries = 0;
  list(prop(node, 'library')).forEach((lib, i) => {
    if (lib.kind !== 'string') return;
    if (walk.store.getExact(lib.value)?.resourceType === 'Library') libraries++;
    else
      walk.add(
        'FHIR-MEASURE-LIBRARY',
        'information',
        'profile',
        `The library ${lib.value} is not loaded, so the expressions that use it are not checked`,
        lib,
        `${path}.library[${i}]`,
      );
  });
  const groups = objects(node, 'group');
  if (!groups.length) walk.add('FHIR-MEASURE-GROUP', 'warning', 'profile', 'A measure should have at least one group', node, path);
  groups.forEach((group, g) => {
    const at = `${path}.group[${g}]`;
    if (groups.length > 1 && !prop(group, 'code'))
      walk.add('FHIR-MEASURE-GROUP', 'warning', 'profile', 'With more than one group, each group should have a code', group, at);
    const populations = objects(group, 'population');
    if (!populations.length) walk.add('FHIR-MEASURE-GROUP', 'warning', 'profile', 'A group should have at least one population', group, at);
    codesWhenSeveral(walk, populations, 'population', `${at}.population`);
    const stratifiers = objects(group, 'stratifier');
    codesWhenSeveral(walk, stratifiers, 'stratifier', `${at}.stratifier`);
    stratifiers.forEach((stratifier, s) => {
      const criteria = prop(stratifier, 'criteria');
      const language = criteria?.kind === 'object' ? prop(criteria, 'language') : undefined;
      if (language?.kind === 'string' && CQL.has(language.value) && libraries === 0)
        walk.add(
          'FHIR-MEASURE-LIBRARY',
          'error',
          'profile',
          `The criteria are CQL (${language.value}), but the measure names no library that is loaded to hold them`,
          criteria,
          `${at}.stratifier[${s}].criteria`,
        );
    });
  });
}

/** Populations and stratifiers are matched by code in reports: with more than one, each needs one. */
function codesWhenSeveral(walk: MeasureRulesWalk, parts: JsonObject[], what: string, path: string): void {
  if (parts.length < 2) return;
  parts.forEach((part, i) => {
    if (!prop(part, 'code'))
      walk.add(
        'FHIR-MEASURE-GROUP',
        'warning',
        'profile',
        `With more than one ${what} in a group, each should have a code`,
        part,
        `${path}[${i}]`,
      );
  });
}
