/**
 * A MeasureReport checked against the Measure it reports on, as the HL7 validator does: its groups,
 * populations and stratifiers are the measure's, matched by code; counts agree with the subjects
 * listed; the score fits the measure's scoring. The StructureDefinition alone cannot say any of this.
 */
import type { ConformanceStore, FhirResource } from './conformance-store.js';
import { CappedReport, type FindingSink } from './capped-report.js';
import { toPlain, type JsonNode } from './json-parser.js';
import { list, objects, plainObject, plainObjects, prop, str, valueKey, type JsonObject, type Plain } from './json-nodes.js';

interface MeasureWalk extends FindingSink {
  readonly store: ConformanceStore;
}

const POPULATION_TYPES = 'http://terminology.hl7.org/CodeSystem/measure-population';
const ALTERNATE_SCORE = 'http://hl7.org/fhir/us/davinci-deqm/StructureDefinition/extension-alternateScoreType';
const SCORE_UNIT = 'http://hl7.org/fhir/StructureDefinition/questionnaire-unit';
const SCORINGS = new Set(['proportion', 'ratio', 'continuous-variable', 'cohort']);
/** Subjects that count as one in a subject list; a List counts its entries. */
const ONE_SUBJECT = new Set(['Patient', 'Practitioner', 'Person', 'PractitionerRole', 'RelatedPerson']);

/**
 * A primitive element is there as the HL7 validator's JSON parser reads it: a value that is no
 * object, array or null, or only its `_key` (extensions, an id).
 */
function present(o: JsonObject, key: string): boolean {
  const v = prop(o, key);
  return (v !== undefined && v.kind !== 'null' && v.kind !== 'object' && v.kind !== 'array') || prop(o, `_${key}`)?.kind === 'object';
}

/** An element of the report as plain JSON; of a repeating one (R4's stratifier.code) the first. */
function plainOf(node: JsonNode | undefined): Plain | undefined {
  const first = list(node)[0];
  return first && plainObject(toPlain(first));
}

/** `system|code` of every coding that has both: the HL7 validator compares codes on system and code only. */
function codingKeys(concept: Plain | undefined): string[] {
  return plainObjects(concept?.coding).flatMap((c) =>
    typeof c.system === 'string' && typeof c.code === 'string' ? [`${c.system}|${c.code}`] : [],
  );
}

function shownCode(concept: Plain | undefined): string {
  const codings = plainObjects(concept?.coding);
  const shown = codings.map((c) => `${typeof c.system === 'string' ? c.system : ''}#${typeof c.code === 'string' ? c.code : ''}`);
  const text = typeof concept?.text === 'string' ? `: '${concept.text}'` : '';
  return `${shown.length === 1 ? shown[0] : `[${shown.join(', ')}]`}${text}`;
}

/**
 * Where each of the measure's parts is found by code: the first part with a coding of each
 * system|code (the HL7 validator takes the first match, in the measure's order).
 */
function indexByCode(parts: Plain[]): Map<string, number> {
  const first = new Map<string, number>();
  parts.forEach((p, i) => {
    for (const key of codingKeys(plainObject(p.code))) if (!first.has(key)) first.set(key, i);
  });
  return first;
}

function firstMatch(index: Map<string, number>, keys: string[]): number | undefined {
  let best: number | undefined;
  for (const key of keys) {
    const i = index.get(key);
    if (i !== undefined && (best === undefined || i < best)) best = i;
  }
  return best;
}

/** The parts of a report matched by code with the measure's, as the findings name them. */
interface PartKind {
  ruleId: string;
  name: 'group' | 'population' | 'stratifier';
  measureSide: string;
  reportSide: string;
}
const GROUP: PartKind = { ruleId: 'FHIR-MR-GROUP', name: 'group', measureSide: 'the measure', reportSide: 'the report' };
const POPULATION: PartKind = {
  ruleId: 'FHIR-MR-POPULATION',
  name: 'population',
  measureSide: 'the measure group',
  reportSide: 'this group',
};
const STRATIFIER: PartKind = {
  ruleId: 'FHIR-MR-STRATIFIER',
  name: 'stratifier',
  measureSide: 'the measure group',
  reportSide: 'this group',
};

interface Matched {
  /** The measure part's index. */
  m: number;
  node: JsonObject;
  at: string;
}

interface Context {
  out: CappedReport;
  measure: Plain;
  scoring: string | undefined;
  type: string | undefined;
  node: JsonObject;
  /** The unit the measure fixes for ratio and continuous-variable scores (questionnaire-unit), if any. */
  unit: Plain | undefined;
  /** The report's contained resources by id, read once when a subject list is first counted. */
  contained?: Map<string | undefined, JsonObject>;
}

/**
 * Checks a MeasureReport against its measure: a contained one (`#id`) or one a loaded profile or
 * package holds. Without it only the resource's own definition is checked, and a finding says so.
 */
export function checkMeasureReport(walk: MeasureWalk, node: JsonObject, path: string): void {
  const ref = str(node, 'measure');
  if (!ref) {
    walk.add('FHIR-MR-MEASURE', 'information', 'profile', 'The report names no measure, so it is not checked against one', node, path);
    return;
  }
  let measure: Plain | undefined;
  if (ref.startsWith('#')) {
    const found = objects(node, 'contained').find((c) => str(c, 'resourceType') === 'Measure' && str(c, 'id') === ref.slice(1));
    measure = found && (toPlain(found) as Plain);
  } else {
    const found: FhirResource | undefined = walk.store.getExact(ref);
    if (found?.resourceType === 'Measure') measure = found;
  }
  if (!measure) {
    walk.add(
      'FHIR-MR-MEASURE',
      'warning',
      'profile',
      `The measure ${ref} is not loaded, so the report's groups, populations and scores are not checked against it; import the profile or package that holds it`,
      node,
      path,
    );
    return;
  }
  const code = plainObjects(plainObject(measure.scoring)?.coding)[0]?.code;
  const scoring = typeof code === 'string' && SCORINGS.has(code) ? code : undefined;
  if (!scoring)
    walk.add(
      'FHIR-MR-MEASURE',
      'information',
      'profile',
      "The measure's scoring is not proportion, ratio, continuous-variable or cohort, so the scores are not checked",
      prop(node, 'measure'),
      `${path}.measure`,
    );
  const unit = plainObject(plainObjects(measure.extension).find((e) => e.url === SCORE_UNIT)?.valueCoding);
  const ctx: Context = { out: new CappedReport(walk), measure, scoring, type: str(node, 'type'), node, unit };
  checkGroups(ctx, path);
  ctx.out.finish('its measure', node, path);
}

function checkGroups(ctx: Context, path: string): void {
  const measureGroups = plainObjects(ctx.measure.group);
  if (!measureGroups.length) return;
  const groups = objects(ctx.node, 'group');
  // One group on each side: they are the same group, whatever their codes (they are compared if both have one).
  if (groups.length === 1 && measureGroups.length === 1) {
    const at = `${path}.group[0]`;
    const reportCode = plainOf(prop(groups[0], 'code'));
    const measureCode = plainObject(measureGroups[0].code);
    if (reportCode && measureCode) {
      const keys = codingKeys(reportCode);
      const measureKeys = new Set(codingKeys(measureCode));
      if (!keys.length)
        ctx.out.add(
          'FHIR-MR-GROUP',
          'error',
          'The group code has no coding with both system and code, so it cannot be compared with the measure group',
          groups[0],
          at,
        );
      else if (!keys.some((k) => measureKeys.has(k)))
        ctx.out.add(
          'FHIR-MR-GROUP',
          'error',
          `The group code ${shownCode(reportCode)} is not the measure group's code ${shownCode(measureCode)}`,
          groups[0],
          at,
        );
    }
    checkGroup(ctx, groups[0], measureGroups[0], at);
    return;
  }
  const index = indexByCode(measureGroups);
  const matched = matchByCode(ctx, groups, path, GROUP, (code) => firstMatch(index, codingKeys(code)));
  for (const g of matched) checkGroup(ctx, g.node, measureGroups[g.m], g.at);
  if (ctx.type !== 'data-collection') reportMissing(ctx, measureGroups, matched, GROUP, ctx.node, path);
}

/**
 * The report's parts matched with the measure's by code (`find` gives the measure part's index, the
 * first that matches): a part without a code, with one the measure lacks, or with one another part
 * already matched is an error.
 */
function matchByCode(
  ctx: Context,
  parts: JsonObject[],
  path: string,
  kind: PartKind,
  find: (code: Plain) => number | undefined,
): Matched[] {
  const matched: Matched[] = [];
  const taken = new Set<number>();
  const problem = (message: string, node: JsonObject, at: string) => ctx.out.add(kind.ruleId, 'error', message, node, at);
  parts.forEach((node, i) => {
    if (ctx.out.full) return;
    const at = `${path}.${kind.name}[${i}]`;
    const code = plainOf(prop(node, 'code'));
    if (!code) return problem(`The ${kind.name} has no code to match it with a ${kind.name} of ${kind.measureSide}`, node, at);
    const m = find(code);
    if (m === undefined) return problem(`The ${kind.name} code ${shownCode(code)} names no ${kind.name} of ${kind.measureSide}`, node, at);
    if (taken.has(m)) return problem(`Another ${kind.name} of ${kind.reportSide} already has this code`, node, at);
    taken.add(m);
    matched.push({ m, node, at });
  });
  return matched;
}

/** The measure's parts that no part of the report matched, each an error (but those `optional` allows). */
function reportMissing(
  ctx: Context,
  measureParts: Plain[],
  matched: Matched[],
  kind: PartKind,
  node: JsonObject,
  path: string,
  optional: (part: Plain) => boolean = () => false,
): void {
  const taken = new Set(matched.map((x) => x.m));
  measureParts.forEach((part, m) => {
    if (taken.has(m) || optional(part)) return;
    const code = plainObject(part.code);
    const id = typeof part.id === 'string' ? ` (id ${part.id})` : '';
    ctx.out.add(
      kind.ruleId,
      'error',
      `No ${kind.name} of ${kind.reportSide} matches the ${kind.name} of ${kind.measureSide} with code '${code ? shownCode(code) : ''}'${id}`,
      node,
      path,
    );
  });
}

function checkGroup(ctx: Context, group: JsonObject, measureGroup: Plain, path: string): void {
  checkPopulations(ctx, group, plainObjects(measureGroup.population), path);
  checkScore(ctx, group, path);
  checkStratifiers(ctx, group, measureGroup, path);
}

function checkPopulations(ctx: Context, group: JsonObject, measurePopulations: Plain[], path: string): void {
  const index = indexByCode(measurePopulations);
  const matched = matchByCode(ctx, objects(group, 'population'), path, POPULATION, (code) => firstMatch(index, codingKeys(code)));
  for (const p of matched) checkCount(ctx, p.node, p.at);
  // The observations of a continuous-variable measure need no population of their own in the report.
  reportMissing(ctx, measurePopulations, matched, POPULATION, group, path, (p) =>
    codingKeys(plainObject(p.code)).includes(`${POPULATION_TYPES}|measure-observation`),
  );
}

/** A subject list's count is the number of subjects it lists; other reports give a count and list none. */
function checkCount(ctx: Context, population: JsonObject, path: string): void {
  const countNode = prop(population, 'count');
  const count = countNode?.kind === 'number' ? Number(countNode.value) : undefined;
  const subjects = prop(population, 'subjectResults');
  if (ctx.type === 'subject-list') {
    if (count === undefined) return;
    const total = subjects ? subjectCount(ctx, plainOf(subjects)) : 0;
    if (typeof total === 'number') {
      if (total !== count)
        ctx.out.add('FHIR-MR-POPULATION', 'error', `count is ${count} but the subject list holds ${total} subject(s)`, population, path);
    } else
      ctx.out.add(
        'FHIR-MR-POPULATION',
        'information',
        `count ${count} is not checked: the subject list cannot be counted (${total.why})`,
        population,
        path,
      );
    return;
  }
  if (subjects)
    ctx.out.add(
      'FHIR-MR-POPULATION',
      'error',
      `A report of type '${ctx.type ?? ''}' lists no subjects; only a subject-list report does`,
      population,
      path,
    );
  if (!present(population, 'count'))
    ctx.out.add(
      'FHIR-MR-POPULATION',
      'warning',
      `A report of type '${ctx.type ?? ''}' should give the population's count`,
      population,
      path,
    );
}

/** The subjects a population's subjectResults reference names: a contained List counts its entries, a person one. */
function subjectCount(ctx: Context, ref: Plain | undefined): number | { why: string } {
  const reference = typeof ref?.reference === 'string' ? ref.reference : undefined;
  if (!reference) return { why: 'subjectResults has no reference' };
  if (reference.startsWith('#')) {
    // Reversed, so that of two with one id the first is kept, as a search from the start finds it.
    ctx.contained ??= new Map(
      objects(ctx.node, 'contained')
        .reverse()
        .map((c) => [str(c, 'id'), c] as const),
    );
    const target = ctx.contained.get(reference.slice(1));
    const type = target && str(target, 'resourceType');
    if (!target || !type) return { why: `${reference} is not contained in the report` };
    if (type === 'List') return list(prop(target, 'entry')).length;
    return ONE_SUBJECT.has(type) ? 1 : { why: `a ${type} cannot be counted` };
  }
  // Not resolved: a relative Type/id of a person counts as one, as the HL7 validator reads it.
  const parts = reference.split('/');
  return parts.length === 2 && ONE_SUBJECT.has(parts[0]) ? 1 : { why: `${reference} is not resolved here` };
}

function checkScore(ctx: Context, group: JsonObject, path: string): void {
  const scoreNode = prop(group, 'measureScore');
  const at = `${path}.measureScore`;
  if (ctx.type === 'data-collection' || ctx.scoring === 'cohort') {
    if (scoreNode)
      ctx.out.add(
        'FHIR-MR-SCORE',
        'error',
        ctx.type === 'data-collection'
          ? "A report of type 'data-collection' has no measureScore"
          : "A measure scored as 'cohort' has no measureScore",
        scoreNode,
        at,
      );
    return;
  }
  if (!ctx.scoring) return;
  if (!scoreNode || scoreNode.kind !== 'object') {
    ctx.out.add('FHIR-MR-SCORE', 'error', `A measureScore is required when the measure is scored as '${ctx.scoring}'`, group, path);
    return;
  }
  const value = scoreValue(scoreNode);
  const noValue = () =>
    ctx.out.add('FHIR-MR-SCORE', 'error', `measureScore needs a value when the measure is scored as '${ctx.scoring}'`, scoreNode, at);
  if (ctx.scoring === 'proportion') {
    for (const key of ['unit', 'system', 'code'])
      if (present(scoreNode, key))
        ctx.out.add(
          'FHIR-MR-SCORE',
          'error',
          `A proportion is a number without units: measureScore has a ${key}`,
          prop(scoreNode, key),
          `${at}.${key}`,
        );
    if (!value) return noValue();
    // Compared as written (a decimal), not as a JavaScript number: 1.0000000000000000001 is more than 1.
    const written = value.node.kind === 'number' ? value.node.raw : value.node.kind === 'string' ? value.node.value : undefined;
    if (written !== undefined && outsideZeroToOne(written))
      ctx.out.add(
        'FHIR-MR-SCORE',
        'error',
        `A proportion lies between 0 and 1; measureScore is ${written}`,
        value.node,
        `${at}.${value.path}`,
      );
    return;
  }
  if (!value) return noValue();
  // ratio and continuous-variable: the unit is the measure's, where it fixes one.
  const unit = ctx.unit;
  const fixed = unit && `${typeof unit.system === 'string' ? unit.system : ''}#${typeof unit.code === 'string' ? unit.code : ''}`;
  const code = str(scoreNode, 'code');
  const system = str(scoreNode, 'system');
  if (unit && present(scoreNode, 'code')) {
    if (code !== unit.code)
      ctx.out.add(
        'FHIR-MR-SCORE',
        'error',
        `The measure fixes the score's unit to ${fixed}; measureScore.code is ${code ?? '(none)'}`,
        prop(scoreNode, 'code') ?? scoreNode,
        `${at}.code`,
      );
    // Where the system is missing the HL7 validator stops with an exception; samsvar reports it as not the fixed one.
    if (system !== unit.system)
      ctx.out.add(
        'FHIR-MR-SCORE',
        'error',
        `The measure fixes the score's unit to ${fixed}; measureScore.system is ${system ?? '(none)'}`,
        scoreNode,
        at,
      );
  } else if (unit) {
    ctx.out.add('FHIR-MR-SCORE', 'error', `The measure fixes the score's unit to ${fixed}; measureScore has no code`, scoreNode, at);
  } else if (!present(scoreNode, 'code') && ctx.scoring === 'ratio') {
    ctx.out.add('FHIR-MR-SCORE', 'warning', "A ratio's measureScore should give its unit (code and system)", scoreNode, at);
  }
}

/**
 * The score's value, or where it has none the value of Da Vinci DEQM's alternateScoreType extension
 * on the measureScore (a dateTime, CodeableConcept, Period, Range or Duration), as the HL7
 * validator reads it.
 */
function scoreValue(scoreNode: JsonObject): { node: JsonNode; path: string } | undefined {
  if (present(scoreNode, 'value')) return { node: prop(scoreNode, 'value') ?? scoreNode, path: 'value' };
  const extensions = objects(scoreNode, 'extension');
  const i = extensions.findIndex((e) => str(e, 'url') === ALTERNATE_SCORE);
  const key = i < 0 ? undefined : valueKey(extensions[i]);
  return key ? { node: prop(extensions[i], key)!, path: `extension[${i}].${key}` } : undefined;
}

/** A JSON number, as written, below 0 or above 1 (exactly: digits and exponent, no rounding). */
function outsideZeroToOne(raw: string): boolean {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(raw);
  if (!m) return false;
  let digits = m[2] + (m[3] ?? '');
  // The value is 0.<digits> × 10^point once leading zeros are gone.
  let point = m[2].length + Number(m[4] ?? 0);
  const lead = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.slice(lead).replace(/0+$/, '');
  point -= lead;
  if (!digits) return false;
  if (m[1]) return true;
  return point > 1 || (point === 1 && digits !== '1');
}

function checkStratifiers(ctx: Context, group: JsonObject, measureGroup: Plain, path: string): void {
  const measureStratifiers = plainObjects(measureGroup.stratifier);
  const byCode = indexByCode(measureStratifiers);
  // Matched by text where neither side has codings (the HL7 validator's rule).
  const byText = new Map<string, number>();
  measureStratifiers.forEach((s, i) => {
    const code = plainObject(s.code);
    if (code && !plainObjects(code.coding).length && typeof code.text === 'string' && !byText.has(code.text)) byText.set(code.text, i);
  });
  // R4 lets a stratifier have several codes; the first is the one matched.
  const matched = matchByCode(ctx, objects(group, 'stratifier'), path, STRATIFIER, (code) =>
    plainObjects(code.coding).length
      ? firstMatch(byCode, codingKeys(code))
      : typeof code.text === 'string'
        ? byText.get(code.text)
        : undefined,
  );
  reportMissing(ctx, measureStratifiers, matched, STRATIFIER, group, path);
}
