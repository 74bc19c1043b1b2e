/**
 * A QuestionnaireResponse checked against the Questionnaire it answers, as the HL7 validator does:
 * every item names an item of the questionnaire at its place, answers have the item's type and
 * stay within its options and limits, required items are answered and items that enableWhen
 * switches off are not. The StructureDefinition alone cannot say any of this.
 */
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4/index.js';
import type { Layer, Severity } from '../core/finding.js';
import type { ConformanceStore, FhirResource } from './conformance-store.js';
import { toPlain, type JsonNode, type Position } from './json-parser.js';
import { codeMembership, expandValueSet } from './terminology.js';
import { compareLimit } from './value-limits.js';

interface QuestionnaireWalk {
  readonly store: ConformanceStore;
  add(ruleId: string, severity: Severity, layer: Layer, message: string, pos: Position | undefined, path: string): void;
}

type JsonObject = JsonNode & { kind: 'object' };
type Plain = Record<string, unknown>;

interface QItem extends Plain {
  linkId?: string;
  text?: string;
  type?: string;
  required?: boolean;
  repeats?: boolean;
  maxLength?: number;
  item?: QItem[];
  enableWhen?: Plain[];
  enableBehavior?: string;
  answerOption?: Plain[];
  answerValueSet?: string;
  extension?: Plain[];
}

/** A questionnaire as read once per response: its items by linkId and each item's parent. */
interface Form {
  q: Plain & { item?: QItem[]; contained?: Plain[] };
  byLinkId: Map<string, QItem>;
  parent: Map<QItem, QItem | undefined>;
  /** A questionnaire contained in the response is the submitter's own: its regular expressions are not run. */
  trusted: boolean;
}

/** One level of the response being read, with the questionnaire item it answers (enableWhen looks up from here). */
interface Level {
  q: QItem | undefined;
  a: JsonObject;
}

interface Context {
  walk: QuestionnaireWalk;
  form: Form;
  /** Not completed or amended: a missing required answer is a warning only. */
  inProgress: boolean;
  /** The response as plain JSON, for enableWhen expressions. */
  plain: () => unknown;
  /** Per level of the response: the answer values under it by linkId, gathered once (enableWhen reads them). */
  answersBelow: WeakMap<JsonObject, Map<string, AnswerValue[]>>;
}

interface AnswerValue {
  type: string;
  value: unknown;
}

const EXT = 'http://hl7.org/fhir/StructureDefinition/';
const SDC = 'http://hl7.org/fhir/uv/sdc/StructureDefinition/';
const ENABLE_WHEN_EXPRESSIONS = [
  `${SDC}sdc-questionnaire-enableWhenExpression`,
  'http://phr.kanta.fi/StructureDefinition/fiphr-ext-questionnaire-enablewhen',
];
const CHOICE_TYPES = ['Coding', 'date', 'time', 'integer', 'string'];
/** The value[x] types an answer to each R4 item type may have. */
const ANSWER_TYPES: Record<string, string[]> = {
  boolean: ['boolean'],
  decimal: ['decimal'],
  integer: ['integer'],
  date: ['date'],
  dateTime: ['dateTime'],
  time: ['time'],
  string: ['string'],
  text: ['string'],
  url: ['uri'],
  attachment: ['Attachment'],
  reference: ['Reference'],
  quantity: ['Quantity'],
  choice: CHOICE_TYPES,
  'open-choice': CHOICE_TYPES,
};
/** Item types that hold other items and take no answers ('question' is R4's abstract type, read as one). */
const NO_ANSWERS = new Set(['group', 'question']);

function prop(o: JsonObject, key: string): JsonNode | undefined {
  return o.props.get(key)?.value;
}

function str(o: JsonObject, key: string): string | undefined {
  const v = prop(o, key);
  return v?.kind === 'string' ? v.value : undefined;
}

function objects(o: JsonObject, key: string): JsonObject[] {
  const v = prop(o, key);
  const all = v?.kind === 'array' ? v.items : v ? [v] : [];
  return all.filter((n): n is JsonObject => n.kind === 'object');
}

function extensions(item: Plain, url: string): Plain[] {
  return ((item.extension as Plain[] | undefined) ?? []).filter((e) => e?.url === url);
}

/** The value[x] of the first extension with this url. */
function extensionValue(item: Plain, url: string): { type: string; value: unknown } | undefined {
  const ext = extensions(item, url)[0];
  if (!ext) return undefined;
  for (const [key, value] of Object.entries(ext)) if (key.startsWith('value')) return { type: typeName(key), value };
  return undefined;
}

/** `valueDateTime` → `dateTime`, `valueCoding` → `Coding`. */
function typeName(key: string): string {
  const t = key.slice(5);
  return /^(Boolean|Decimal|Integer|Date|DateTime|Time|String|Uri)$/.test(t) ? t[0].toLowerCase() + t.slice(1) : t;
}

/** The answer's value[x], if it has one. */
function answerValue(answer: JsonObject): { key: string; type: string; node: JsonNode; plain: unknown } | undefined {
  for (const [key, p] of answer.props) {
    if (key.startsWith('value') && key.length > 5) return { key, type: typeName(key), node: p.value, plain: toPlain(p.value) };
  }
  return undefined;
}

/** The values an enableWhen, a constraint or an answerOption gives as value[x] / answer[x]. */
function choiceValue(o: Plain, prefix: 'value' | 'answer'): { type: string; value: unknown } | undefined {
  for (const [key, value] of Object.entries(o))
    if (key.startsWith(prefix) && key.length > prefix.length) return { type: typeName(`value${key.slice(prefix.length)}`), value };
  return undefined;
}

function readForm(q: Plain, trusted: boolean): Form {
  const byLinkId = new Map<string, QItem>();
  const parent = new Map<QItem, QItem | undefined>();
  const visit = (items: QItem[] | undefined, up: QItem | undefined) => {
    for (const item of items ?? []) {
      if (!item || typeof item !== 'object') continue;
      parent.set(item, up);
      if (typeof item.linkId === 'string' && !byLinkId.has(item.linkId)) byLinkId.set(item.linkId, item);
      visit(item.item, item);
    }
  };
  visit(q.item as QItem[] | undefined, undefined);
  return { q: q as Form['q'], byLinkId, parent, trusted };
}

/**
 * Checks a QuestionnaireResponse against its questionnaire: a contained one (`#id`) or one a
 * loaded profile or package holds. Without one nothing beyond the resource's own definition can
 * be checked, and the finding says so.
 */
export function checkQuestionnaireResponse(walk: QuestionnaireWalk, node: JsonObject, path: string, container?: JsonObject): void {
  const ref = str(node, 'questionnaire');
  const at = prop(node, 'questionnaire');
  if (!ref) {
    walk.add(
      'FHIR-QR-QUESTIONNAIRE',
      'information',
      'profile',
      'The response names no questionnaire, so its items and answers are not checked against one',
      node,
      path,
    );
    return;
  }
  let form: Form | undefined;
  if (ref.startsWith('#')) {
    const id = ref.slice(1);
    const contained = [...objects(node, 'contained'), ...(container ? objects(container, 'contained') : [])].find(
      (c) => str(c, 'resourceType') === 'Questionnaire' && str(c, 'id') === id,
    );
    if (contained) form = readForm(toPlain(contained) as Plain, false);
  } else {
    const found: FhirResource | undefined = walk.store.get(ref);
    if (found?.resourceType === 'Questionnaire') form = readForm(found, true);
  }
  if (!form) {
    // As the HL7 validator: a questionnaire at example.org is expected not to be found.
    const severity = /^https?:\/\/example\.org/.test(ref) ? 'information' : 'warning';
    walk.add(
      'FHIR-QR-QUESTIONNAIRE',
      severity,
      'profile',
      `The questionnaire ${ref} is not loaded, so the items and answers are not checked against it; import the profile or package that holds it`,
      at,
      `${path}.questionnaire`,
    );
    return;
  }
  const status = str(node, 'status');
  let plain: unknown;
  const ctx: Context = {
    walk,
    form,
    inProgress: status !== 'completed' && status !== 'amended',
    plain: () => (plain ??= toPlain(node)),
    answersBelow: new WeakMap(),
  };
  checkAuthored(ctx, node, path);
  checkItems(ctx, form.q.item ?? [], node, path, [{ q: undefined, a: node }]);
}

/** `authored` within the questionnaire's effectivePeriod (a warning, as in the HL7 validator). */
function checkAuthored(ctx: Context, node: JsonObject, path: string): void {
  const authored = str(node, 'authored');
  const period = ctx.form.q.effectivePeriod as { start?: string; end?: string } | undefined;
  if (!authored || !period) return;
  const at = prop(node, 'authored');
  if (typeof period.end === 'string' && instant(authored) > instant(period.end))
    ctx.walk.add(
      'FHIR-QR-ITEM',
      'warning',
      'profile',
      `authored ${authored} is after the questionnaire's effective period ended (${period.end})`,
      at,
      `${path}.authored`,
    );
  if (typeof period.start === 'string' && instant(authored) < instant(period.start))
    ctx.walk.add(
      'FHIR-QR-ITEM',
      'warning',
      'profile',
      `authored ${authored} is before the questionnaire's effective period began (${period.start})`,
      at,
      `${path}.authored`,
    );
}

/** A date, dateTime or instant as the start of the period it names, comparable as a string (the zone ignored). */
function instant(v: string): string {
  const m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?:T(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?/.exec(v);
  if (!m) return v;
  const time = (m[4] ?? '00:00:00').padEnd(8, ':00').slice(0, 8);
  return `${m[1]}-${m[2] ?? '01'}-${m[3] ?? '01'}T${time}`;
}

const positions = new WeakMap<QItem[], Map<string, number>>();

/** Each linkId's place among the items of one level (the first, should a linkId repeat), computed once per level. */
function positionsOf(qItems: QItem[]): Map<string, number> {
  let map = positions.get(qItems);
  if (!map) {
    map = new Map();
    qItems.forEach((q, i) => {
      if (typeof q?.linkId === 'string' && !map!.has(q.linkId)) map!.set(q.linkId, i);
    });
    positions.set(qItems, map);
  }
  return map;
}

/** The items under `container` (the response, an item or an answer) against the questionnaire items of that level. */
function checkItems(ctx: Context, qItems: QItem[], container: JsonObject, path: string, stack: Level[]): void {
  const groups = new Map<string, { node: JsonObject; path: string }[]>();
  let lastIndex = -1;
  objects(container, 'item').forEach((item, i) => {
    const itemPath = `${path}.item[${i}]`;
    const linkId = str(item, 'linkId');
    if (linkId === undefined) return; // item.linkId is 1..1: the definition reports it
    const index = positionsOf(qItems).get(linkId) ?? -1;
    if (index < 0) {
      const elsewhere = ctx.form.byLinkId.get(linkId);
      if (!elsewhere) {
        ctx.walk.add(
          'FHIR-QR-ITEM',
          'error',
          'profile',
          `LinkId '${linkId}' is not an item of the questionnaire at this place, nor anywhere in it`,
          item,
          itemPath,
        );
        return;
      }
      ctx.walk.add(
        'FHIR-QR-ITEM',
        'error',
        'profile',
        `The item with linkId '${linkId}' is in the wrong place: the questionnaire has it elsewhere`,
        item,
        itemPath,
      );
      checkItem(ctx, elsewhere, item, itemPath, [...stack, { q: elsewhere, a: item }]);
      return;
    }
    if (index < lastIndex)
      ctx.walk.add(
        'FHIR-QR-ITEM',
        'error',
        'profile',
        `The item with linkId '${linkId}' is out of order: the questionnaire has it before the item above it`,
        item,
        itemPath,
      );
    lastIndex = index;
    const list = groups.get(linkId) ?? [];
    list.push({ node: item, path: itemPath });
    groups.set(linkId, list);
  });

  for (const q of qItems) {
    if (!q || typeof q !== 'object') continue;
    const found = (q.linkId !== undefined && groups.get(q.linkId)) || [];
    const enabled = isEnabled(ctx, q, stack);
    if (!found.length) {
      if (enabled === true && q.required === true) missingRequired(ctx, q, container, path);
      continue;
    }
    if (enabled === false)
      for (const f of found)
        if (prop(f.node, 'answer') || prop(f.node, 'item'))
          ctx.walk.add(
            'FHIR-QR-ITEM',
            'error',
            'profile',
            `Item '${q.linkId}' has answers, but its enableWhen conditions are not met, so it is not enabled`,
            f.node,
            f.path,
          );
    if (found.length > 1 && q.repeats !== true)
      ctx.walk.add(
        'FHIR-QR-ITEM',
        'error',
        'profile',
        `Item '${q.linkId}' appears ${found.length} times, but the questionnaire item does not repeat`,
        found[1].node,
        found[1].path,
      );
    for (const f of found) checkItem(ctx, q, f.node, f.path, [...stack, { q, a: f.node }]);
  }
}

function missingRequired(ctx: Context, q: QItem, at: JsonObject, path: string): void {
  ctx.walk.add('FHIR-QR-ITEM', ctx.inProgress ? 'warning' : 'error', 'profile', `Required item '${q.linkId}' has no answer`, at, path);
}

/** One response item against its questionnaire item. */
function checkItem(ctx: Context, q: QItem, item: JsonObject, path: string, stack: Level[]): void {
  const { walk } = ctx;
  const text = str(item, 'text');
  if (text && text !== q.text)
    walk.add(
      'FHIR-QR-ITEM',
      'error',
      'profile',
      `The text of item '${q.linkId}' differs from the questionnaire's ('${q.text ?? ''}')`,
      prop(item, 'text'),
      `${path}.text`,
    );
  const answers = objects(item, 'answer');
  const type = q.type ?? '';
  if (!answers.length && q.required === true && !NO_ANSWERS.has(type) && (ctx.inProgress || isEnabled(ctx, q, stack.slice(0, -1)) === true))
    missingRequired(ctx, q, item, path);
  if (answers.length > 1 && q.repeats !== true)
    walk.add(
      'FHIR-QR-ANSWER',
      'error',
      'profile',
      `Item '${q.linkId}' has ${answers.length} answers, but the questionnaire item does not repeat`,
      answers[1],
      `${path}.answer[1]`,
    );
  const maxOccurs = extensionValue(q, `${EXT}questionnaire-maxOccurs`)?.value;
  if (typeof maxOccurs === 'number' && answers.length > maxOccurs)
    walk.add(
      'FHIR-QR-ANSWER',
      'error',
      'profile',
      `Item '${q.linkId}' allows at most ${maxOccurs} answers, and has ${answers.length}`,
      item,
      path,
    );
  const minOccurs = extensionValue(q, `${EXT}questionnaire-minOccurs`)?.value;
  if (typeof minOccurs === 'number' && answers.length < minOccurs)
    walk.add(
      'FHIR-QR-ANSWER',
      'error',
      'profile',
      `Item '${q.linkId}' needs at least ${minOccurs} answers, and has ${answers.length}`,
      item,
      path,
    );

  answers.forEach((answer, j) => {
    const answerPath = `${path}.answer[${j}]`;
    if (NO_ANSWERS.has(type) || type === 'display') {
      walk.add(
        'FHIR-QR-ANSWER',
        'error',
        'profile',
        `Item '${q.linkId}' is of type ${type} in the questionnaire, which takes no answers`,
        answer,
        answerPath,
      );
      return;
    }
    const value = answerValue(answer);
    const allowed = ANSWER_TYPES[type];
    if (value && allowed) {
      if (!allowed.includes(value.type))
        walk.add(
          'FHIR-QR-ANSWER',
          'error',
          'profile',
          `The answer to '${q.linkId}' must be ${allowed.map((t) => `value${t[0].toUpperCase()}${t.slice(1)}`).join(' or ')} (the item is of type ${type}), not ${value.key}`,
          value.node,
          `${answerPath}.${value.key}`,
        );
      else checkAnswer(ctx, q, value, answers.length, `${answerPath}.${value.key}`);
    }
    checkItems(ctx, q.item ?? [], answer, answerPath, stack);
  });

  if (type === 'display' || !NO_ANSWERS.has(type)) {
    if (prop(item, 'item'))
      walk.add(
        'FHIR-QR-ITEM',
        'error',
        'profile',
        type === 'display'
          ? `Item '${q.linkId}' is a display item, which holds no items`
          : `Item '${q.linkId}' is a question: the items under it belong in its answer (answer.item), not in item.item`,
        item,
        path,
      );
    return;
  }
  if (q.required === true && !prop(item, 'item'))
    walk.add('FHIR-QR-ITEM', ctx.inProgress ? 'warning' : 'error', 'profile', `Required group '${q.linkId}' has no items`, item, path);
  checkItems(ctx, q.item ?? [], item, path, stack);
}

/** Where an answer's findings go: at its value. */
interface Report {
  fail(message: string): void;
  warn(message: string): void;
}

/** The checks of one answer value of the right type: options, limits, lengths, formats, units. */
function checkAnswer(
  ctx: Context,
  q: QItem,
  value: { type: string; node: JsonNode; plain: unknown },
  answerCount: number,
  path: string,
): void {
  const report: Report = {
    fail: (message) => ctx.walk.add('FHIR-QR-ANSWER', 'error', 'profile', message, value.node, path),
    warn: (message) => ctx.walk.add('FHIR-QR-ANSWER', 'warning', 'profile', message, value.node, path),
  };
  const v = value.plain;
  if (['decimal', 'integer', 'date', 'dateTime', 'time'].includes(value.type)) {
    const normal = (x: unknown) => (typeof x === 'string' && value.type !== 'time' ? instant(x) : x);
    const min = extensionValue(q, `${EXT}minValue`)?.value;
    const max = extensionValue(q, `${EXT}maxValue`)?.value;
    const fromMin = compareValues(normal(v), normal(min));
    const fromMax = compareValues(normal(v), normal(max));
    if (fromMin !== undefined && fromMin < 0)
      report.fail(`The answer ${String(v)} to '${q.linkId}' is less than its minimum, ${String(min)}`);
    if (fromMax !== undefined && fromMax > 0)
      report.fail(`The answer ${String(v)} to '${q.linkId}' is greater than its maximum, ${String(max)}`);
  }
  if (value.type === 'decimal' || value.type === 'Quantity') {
    const places = extensionValue(q, `${EXT}maxDecimalPlaces`)?.value;
    const raw =
      value.type === 'decimal' ? rawNumber(value.node) : value.node.kind === 'object' ? rawNumber(prop(value.node, 'value')) : undefined;
    if (typeof places === 'number' && raw !== undefined && decimalPlaces(raw) > places)
      report.fail(`The answer ${raw} to '${q.linkId}' has ${decimalPlaces(raw)} decimal places, more than the ${places} allowed`);
  }
  if (value.type === 'string' && typeof v === 'string') checkString(ctx, q, v, report);
  if (value.type === 'Quantity') checkQuantity(q, v as Plain, report);
  if (value.type === 'Attachment') checkAttachment(q, v as Plain, report);
  if (value.type === 'Coding') {
    if (ANSWER_TYPES[q.type ?? ''] === CHOICE_TYPES) checkCoding(ctx, q, v as Plain, answerCount, report);
  } else if (['integer', 'date', 'time', 'string'].includes(value.type)) checkOption(q, value.type, v, report);
}

/** Numbers by value; dates, times and strings in their order as text (dates already made comparable by instant()). */
function compareValues(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

function rawNumber(node: JsonNode | undefined): string | undefined {
  return node?.kind === 'number' ? node.raw : undefined;
}

function decimalPlaces(raw: string): number {
  const m = /\.(\d+)/.exec(raw.toLowerCase().split('e')[0]);
  return m ? m[1].length : 0;
}

function checkString(ctx: Context, q: QItem, v: string, { fail, warn }: Report): void {
  const minLength = extensionValue(q, `${EXT}minLength`)?.value;
  if (typeof minLength === 'number' && [...v].length < minLength)
    fail(`The answer '${v}' to '${q.linkId}' is shorter than its minimum length, ${minLength}`);
  if (typeof q.maxLength === 'number' && [...v].length > q.maxLength)
    fail(`The answer '${v}' to '${q.linkId}' is longer than its maximum length, ${q.maxLength}`);
  const regex = extensionValue(q, `${EXT}regex`)?.value;
  if (typeof regex === 'string' && ctx.form.trusted) {
    let re: RegExp | undefined;
    try {
      re = new RegExp(`^(?:${regex})$`, 'u');
    } catch {
      re = undefined; // not a JavaScript expression: the questionnaire's own problem, not the answer's
    }
    const format = extensionValue(q, `${EXT}entryFormat`)?.value;
    if (re && !re.test(v))
      fail(
        `The answer '${v}' to '${q.linkId}' does not have the expected format${typeof format === 'string' ? ` '${format}'` : ''} (regex ${regex})`,
      );
  }
  if (/[\r\n]/.test(v) && q.type === 'string')
    warn(`The answer to '${q.linkId}' holds a line break; an item of type string takes one line (use type text)`);
}

/**
 * An integer, date, time or string answer among the item's answerOptions of that type. An
 * open-choice item takes any text, but text that names one of its coded options should have been
 * the option.
 */
function checkOption(q: QItem, type: string, v: unknown, { fail, warn }: Report): void {
  const options = (q.answerOption ?? []).map((o) => choiceValue(o, 'value')).filter((o) => o !== undefined);
  if (!options.length) return;
  if (type === 'string' && q.type === 'open-choice') {
    const text = String(v).toLowerCase();
    const names = (o: { type: string; value: unknown }) => [(o.value as Plain).display, (o.value as Plain).code];
    if (options.some((o) => o.type === 'Coding' && names(o).some((x) => typeof x === 'string' && x.toLowerCase() === text)))
      warn(`The answer '${String(v)}' to '${q.linkId}' is given as text, but it names one of the item's coded options`);
    return;
  }
  const ofType = options.filter((o) => o.type === type);
  if (!ofType.length) fail(`The item '${q.linkId}' has no answerOption of type ${type}, so ${String(v)} is not one of its options`);
  else if (!ofType.some((o) => o.value === v)) fail(`The answer ${String(v)} to '${q.linkId}' is not one of the item's answerOptions`);
}

function checkCoding(ctx: Context, q: QItem, c: Plain, answerCount: number, { fail }: Report): void {
  const shown = `${String(c.system ?? '')}#${String(c.code ?? '')}`;
  if (q.answerOption?.length) {
    const options = q.answerOption.filter((o) => o?.valueCoding);
    if (!options.length) {
      if (q.type !== 'open-choice') fail(`The item '${q.linkId}' has no coded answerOption, so ${shown} is not one of its options`);
      return;
    }
    const match = options.find((o) => {
      const oc = o.valueCoding as Plain;
      return oc.system === c.system && oc.code === c.code;
    });
    if (!match) fail(`The answer ${shown} to '${q.linkId}' is not one of the item's answerOptions`);
    else if (answerCount > 1 && extensionValue(match, `${EXT}questionnaire-optionExclusive`)?.value === true)
      fail(`The answer ${shown} to '${q.linkId}' is an exclusive option: no other answer may be given with it`);
    return;
  }
  if (!q.answerValueSet || (!c.system && !c.code)) return;
  const ref = q.answerValueSet;
  const vs = ref.startsWith('#')
    ? ((ctx.form.q.contained ?? []).find((r) => r?.resourceType === 'ValueSet' && r.id === ref.slice(1)) as FhirResource | undefined)
    : ctx.walk.store.valueSet(ref);
  if (!vs || typeof c.code !== 'string') return;
  const membership = codeMembership(expandValueSet(vs, ctx.walk.store), typeof c.system === 'string' ? c.system : undefined, c.code);
  if (membership === 'not-in') fail(`The answer ${shown} to '${q.linkId}' is not in the item's answerValueSet ${ref}`);
}

const UCUM = 'http://unitsofmeasure.org';

function checkQuantity(q: QItem, v: Plain, { fail }: Report): void {
  const shown = (x: Plain) => `${String(x.value)} ${String(x.code ?? x.unit ?? '')}`.trim();
  for (const [url, isMin] of [
    [`${SDC}sdc-questionnaire-minQuantity`, true],
    [`${SDC}sdc-questionnaire-maxQuantity`, false],
  ] as const) {
    const limit = extensionValue(q, url)?.value as Plain | undefined;
    if (!limit || typeof v.value !== 'number' || typeof limit.value !== 'number') continue;
    const word = isMin ? 'minimum' : 'maximum';
    if (!limit.system || !limit.code || !v.system || !v.code) {
      fail(
        `The answer ${shown(v)} to '${q.linkId}' cannot be compared with its ${word}, ${shown(limit)}: both need a coded unit (system and code)`,
      );
      continue;
    }
    if (limit.system !== v.system && !(limit.system === UCUM && v.system === UCUM)) {
      fail(
        `The answer ${shown(v)} to '${q.linkId}' cannot be compared with its ${word}, ${shown(limit)}: the units are of different systems`,
      );
      continue;
    }
    const order = compareLimit(v, limit, 'Quantity');
    if (order === undefined) continue; // units samsvar cannot convert between: not judged
    if (isMin ? order < 0 : order > 0)
      fail(`The answer ${shown(v)} to '${q.linkId}' is ${isMin ? 'less' : 'greater'} than its ${word}, ${shown(limit)}`);
  }
  const units = extensions(q, `${EXT}questionnaire-unitOption`)
    .map((e) => e.valueCoding as Plain | undefined)
    .filter((u) => u !== undefined);
  if (units.length && !units.some((u) => u.system === v.system && u.code === v.code))
    fail(
      `The unit of the answer ${shown(v)} to '${q.linkId}' is not one of the item's unit options (${units.map((u) => `${String(u.system)}#${String(u.code)}`).join(', ')})`,
    );
}

function checkAttachment(q: QItem, v: Plain, { fail }: Report): void {
  const types = extensions(q, `${EXT}mimeType`)
    .map((e) => e.valueCode)
    .filter((t): t is string => typeof t === 'string');
  if (types.length) {
    if (typeof v.contentType !== 'string')
      fail(`The attachment answering '${q.linkId}' has no contentType; the item allows ${types.join(', ')}`);
    else if (!types.some((t) => (v.contentType as string).startsWith(t)))
      fail(`The attachment answering '${q.linkId}' is ${v.contentType}, which the item does not allow (allowed: ${types.join(', ')})`);
  }
  const max = extensionValue(q, `${EXT}maxSize`)?.value;
  if (typeof max === 'number' && max > 0 && typeof v.data === 'string') {
    const size = Buffer.from(v.data, 'base64').length;
    if (size > max) fail(`The attachment answering '${q.linkId}' holds ${size} bytes, more than the ${max} the item allows`);
  }
}

/**
 * Whether the item is enabled where the response has it: true or false from its enableWhen
 * conditions or its enableWhen expression; undefined where that cannot be told (an expression in
 * a questionnaire the response brings itself is not run, nor one that fails).
 */
function isEnabled(ctx: Context, q: QItem, stack: Level[]): boolean | undefined {
  const expression = enableWhenExpression(q);
  if (expression !== undefined) return ctx.form.trusted ? evaluateEnableWhen(expression, ctx.plain()) : undefined;
  const conditions = (q.enableWhen ?? []).filter((c) => c && typeof c === 'object');
  if (!conditions.length) return true;
  const results = conditions.map((c) => conditionMet(ctx, q, c, stack));
  if (q.enableBehavior === 'any' || results.length === 1) return results.some(Boolean);
  if (q.enableBehavior === 'all') return results.every(Boolean);
  return true; // several conditions without enableBehavior: que-12 reports the questionnaire
}

/** The FHIRPath of an SDC enableWhenExpression (or the Finnish PHR extension before it); null for another language. */
function enableWhenExpression(q: QItem): string | null | undefined {
  const finnish = extensionValue(q, ENABLE_WHEN_EXPRESSIONS[1])?.value;
  if (typeof finnish === 'string') return finnish;
  const sdc = extensionValue(q, ENABLE_WHEN_EXPRESSIONS[0])?.value as { language?: unknown; expression?: unknown } | undefined;
  if (!sdc) return undefined;
  return sdc.language === 'text/fhirpath' && typeof sdc.expression === 'string' ? sdc.expression : null;
}

const compiledExpressions = new Map<string, ((resource: unknown, env: Record<string, unknown>) => unknown[]) | null>();

function evaluateEnableWhen(expression: string | null, response: unknown): boolean | undefined {
  if (expression === null) return undefined;
  let compiled = compiledExpressions.get(expression);
  if (compiled === undefined) {
    try {
      compiled = fhirpath.compile(expression, r4model as never) as unknown as (
        resource: unknown,
        env: Record<string, unknown>,
      ) => unknown[];
    } catch {
      compiled = null;
    }
    if (compiledExpressions.size < 1000) compiledExpressions.set(expression, compiled);
  }
  if (!compiled) return undefined;
  try {
    const result = compiled(response, { resource: response, rootResource: response });
    return Array.isArray(result) && result.length === 1 && typeof result[0] === 'boolean'
      ? result[0]
      : Array.isArray(result) && result.length === 0
        ? false
        : undefined;
  } catch {
    return undefined;
  }
}

function conditionMet(ctx: Context, source: QItem, condition: Plain, stack: Level[]): boolean {
  const question = condition.question;
  if (typeof question !== 'string') return false;
  const target = ctx.form.byLinkId.get(question);
  if (!target) return false;
  // The answers that count are those under the innermost group holding both items.
  const group = commonGroup(ctx.form, source, target);
  const level = group ? [...stack].reverse().find((l) => l.q === group) : stack[0];
  const values = level ? answersTo(ctx, level.a, question) : [];
  const expected = choiceValue(condition, 'answer');
  if (condition.operator === 'exists') return expected?.value === true ? values.length > 0 : values.length === 0;
  if (!expected) return false;
  return values.some((v) => v.type === expected.type && compareAnswer(v.value, expected.value, expected.type, String(condition.operator)));
}

function commonGroup(form: Form, source: QItem, target: QItem): QItem | undefined {
  const ancestors = new Set<QItem>();
  for (let p = form.parent.get(target); p; p = form.parent.get(p)) ancestors.add(p);
  for (let p = form.parent.get(source); p; p = form.parent.get(p)) if (ancestors.has(p)) return p;
  return undefined;
}

/** The answer values of items with this linkId below `focus`; the level is read once, whatever the number of conditions. */
function answersTo(ctx: Context, focus: JsonObject, linkId: string): AnswerValue[] {
  let index = ctx.answersBelow.get(focus);
  if (!index) {
    const found = new Map<string, AnswerValue[]>();
    index = found;
    const pending = [...objects(focus, 'item'), ...objects(focus, 'answer').flatMap((a) => objects(a, 'item'))];
    while (pending.length) {
      const node = pending.pop()!;
      const id = str(node, 'linkId');
      for (const a of objects(node, 'answer')) {
        const v = id !== undefined ? answerValue(a) : undefined;
        if (v && id !== undefined) {
          const list = found.get(id) ?? [];
          list.push({ type: v.type, value: v.plain });
          found.set(id, list);
        }
        for (const item of objects(a, 'item')) pending.push(item);
      }
      for (const item of objects(node, 'item')) pending.push(item);
    }
    ctx.answersBelow.set(focus, index);
  }
  return index.get(linkId) ?? [];
}

function compareAnswer(actual: unknown, expected: unknown, type: string, operator: string): boolean {
  let order: number | undefined;
  if (type === 'Coding') {
    const a = actual as Plain;
    const e = expected as Plain;
    const same = a?.system === e?.system && a?.code === e?.code;
    return operator === '=' ? same : operator === '!=' ? !same : false;
  }
  if (type === 'Quantity') order = compareLimit(actual, expected, 'Quantity');
  else if (type === 'boolean' || type === 'Reference' || type === 'Attachment') {
    const same = JSON.stringify(actual) === JSON.stringify(expected);
    return operator === '=' ? same : operator === '!=' ? !same : false;
  } else if (type === 'date' || type === 'dateTime') order = compareValues(instant(String(actual)), instant(String(expected)));
  else order = compareValues(actual, expected);
  if (order === undefined) return false;
  switch (operator) {
    case '=':
      return order === 0;
    case '!=':
      return order !== 0;
    case '>':
      return order > 0;
    case '<':
      return order < 0;
    case '>=':
      return order >= 0;
    case '<=':
      return order <= 0;
    default:
      return false;
  }
}
