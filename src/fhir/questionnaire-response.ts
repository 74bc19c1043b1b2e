/**
 * A QuestionnaireResponse checked against the Questionnaire it answers, as the HL7 validator does:
 * every item names an item of the questionnaire at its place, answers have the item's type and
 * stay within its options and limits, required items are answered and items that enableWhen
 * switches off are not. The StructureDefinition alone cannot say any of this.
 */
import fhirpath from 'fhirpath';
import { RE2JS } from 're2js';
import r4model from 'fhirpath/fhir-context/r4/index.js';
import type { Severity } from '../core/finding.js';
import type { ConformanceStore, FhirResource } from './conformance-store.js';
import { toPlain, type JsonNode, type Position } from './json-parser.js';
import { objects, plainObjects, prop, str, valueKey, type JsonObject, type Plain } from './json-nodes.js';
import { codeMembership, expandValueSet } from './terminology.js';
import { compareQuantities } from './value-limits.js';
import { CappedReport, type FindingSink } from './capped-report.js';

interface QuestionnaireWalk extends FindingSink {
  readonly store: ConformanceStore;
}

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
  q: Plain & { item: QItem[]; contained: Plain[] };
  byLinkId: Map<string, QItem>;
  parent: Map<QItem, QItem | undefined>;
  /** A questionnaire contained in the response is the submitter's own: its enableWhen expressions (FHIRPath) are not run. */
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
  plain: unknown;
  /** Per level of the response: the answer values under it by linkId, gathered once (enableWhen reads them). */
  answersBelow: WeakMap<JsonObject, Map<string, AnswerValue[]>>;
  out: CappedReport;
}

/**
 * Problems are listed up to CappedReport's limit per response: a response of n items against a
 * questionnaire of n required items can hold n² missing answers. Past it, the rest are counted in
 * one finding, and missing required items are no longer looked for.
 */
function report(ctx: Context, ruleId: string, severity: Severity, message: string, pos: Position | undefined, path: string): void {
  ctx.out.add(ruleId, severity, message, pos, path);
}

function full(ctx: Context): boolean {
  return ctx.out.full;
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
const ANSWER_TYPES = new Map<string, string[]>(
  Object.entries({
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
  }),
);
/** Item types that hold other items and take no answers ('question' is R4's abstract type, read as one). */
const NO_ANSWERS = new Set(['group', 'question']);

function extensions(item: Plain, url: string): Plain[] {
  return plainObjects(item.extension).filter((e) => e.url === url);
}

/** The value[x] of the first extension with this url. */
function extensionValue(item: Plain, url: string): { type: string; value: unknown } | undefined {
  const ext = extensions(item, url)[0];
  return ext && choiceValue(ext, 'value');
}

/** `valueDateTime` → `dateTime`, `valueCoding` → `Coding`. */
function typeName(key: string): string {
  const t = key.slice(5);
  return /^(Boolean|Decimal|Integer|Date|DateTime|Time|String|Uri)$/.test(t) ? t[0].toLowerCase() + t.slice(1) : t;
}

/** The answer's value[x], if it has one. */
function answerValue(answer: JsonObject): { key: string; type: string; node: JsonNode; plain: unknown } | undefined {
  const key = valueKey(answer);
  const node = key && prop(answer, key);
  return node ? { key, type: typeName(key), node, plain: toPlain(node) } : undefined;
}

/** The values an enableWhen, a constraint or an answerOption gives as value[x] / answer[x]. */
function choiceValue(o: Plain, prefix: 'value' | 'answer'): { type: string; value: unknown } | undefined {
  for (const [key, value] of Object.entries(o))
    if (key.startsWith(prefix) && key.length > prefix.length) return { type: typeName(`value${key.slice(prefix.length)}`), value };
  return undefined;
}

/**
 * The questionnaire as the checks read it: every list a list of objects, whatever the JSON held
 * (the resource's definition reports a malformed one; the checks must not trip over it).
 */
function cleanItem(raw: Plain): QItem {
  return {
    ...raw,
    item: plainObjects(raw.item).map(cleanItem),
    enableWhen: plainObjects(raw.enableWhen),
    answerOption: plainObjects(raw.answerOption),
    extension: plainObjects(raw.extension),
  };
}

function readForm(raw: Plain, trusted: boolean): Form {
  const q = { ...raw, item: plainObjects(raw.item).map(cleanItem), contained: plainObjects(raw.contained) };
  const byLinkId = new Map<string, QItem>();
  const parent = new Map<QItem, QItem | undefined>();
  const visit = (items: QItem[], up: QItem | undefined) => {
    for (const item of items) {
      parent.set(item, up);
      if (typeof item.linkId === 'string' && !byLinkId.has(item.linkId)) byLinkId.set(item.linkId, item);
      visit(item.item ?? [], item);
    }
  };
  visit(q.item, undefined);
  return { q, byLinkId, parent, trusted };
}

/** A catalog questionnaire read once, however many responses answer it. */
const catalogForms = new WeakMap<object, Form>();

/**
 * Checks a QuestionnaireResponse against its questionnaire: a contained one (`#id`) or one a
 * loaded profile or package holds. Without one nothing beyond the resource's own definition can
 * be checked, and the finding says so.
 */
export function checkQuestionnaireResponse(
  walk: QuestionnaireWalk,
  node: JsonObject,
  plain: unknown,
  path: string,
  container?: JsonObject,
): void {
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
    const found: FhirResource | undefined = walk.store.getExact(ref);
    if (found?.resourceType === 'Questionnaire') {
      form = catalogForms.get(found) ?? readForm(found, true);
      catalogForms.set(found, form);
    }
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
  const ctx: Context = {
    walk,
    form,
    inProgress: status !== 'completed' && status !== 'amended',
    plain,
    answersBelow: new WeakMap(),
    out: new CappedReport(walk),
  };
  checkAuthored(ctx, node, path);
  checkItems(ctx, form.q.item, node, path, [{ q: undefined, a: node }]);
  ctx.out.finish('its questionnaire', node, path);
}

/** `authored` within the questionnaire's effectivePeriod (a warning, as in the HL7 validator). */
function checkAuthored(ctx: Context, node: JsonObject, path: string): void {
  const authored = str(node, 'authored');
  const period = ctx.form.q.effectivePeriod as { start?: string; end?: string } | undefined;
  if (!authored || !period) return;
  const outside = (when: string) =>
    report(ctx, 'FHIR-QR-QUESTIONNAIRE', 'warning', `authored ${authored} is ${when}`, prop(node, 'authored'), `${path}.authored`);
  // A Period's end includes every time it matches: an end of 2026-06 takes all of June (FHIR R4 Period).
  const end = period.end;
  if (typeof end === 'string' && (end.length <= 10 ? authored.slice(0, end.length) > end : (compareMoments(authored, end) ?? 0) > 0))
    outside(`after the questionnaire's effective period ended (${end})`);
  if ((compareMoments(authored, period.start) ?? 0) < 0) outside(`before the questionnaire's effective period began (${period.start})`);
}

/**
 * A date, dateTime or instant as the moment its period starts, in milliseconds: 2026-06 is the
 * first of June. `zoned` reads a time's zone; without it (or without one in the value) the clock
 * time is read as UTC, so that it compares with a plain date on the value's own calendar day.
 * Undefined for anything else.
 */
function moment(v: string, zoned: boolean): number | undefined {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/.exec(v);
  if (!m) return undefined;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', sec = '00', frac = '', zone = 'Z'] = m;
  const at = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${sec}${frac}${zoned ? zone : 'Z'}`);
  return Number.isNaN(at) ? undefined : at;
}

/**
 * Dates and dateTimes by the moment their periods start, as the HL7 validator compares them (2026-06-30
 * is after 2026-06). Two times compare in their zones; a time against a plain date by its own
 * calendar day and clock, since a date has no zone to convert to.
 */
function compareMoments(a: unknown, b: unknown): number | undefined {
  if (typeof a !== 'string' || typeof b !== 'string') return undefined;
  const zoned = a.includes('T') && b.includes('T');
  const x = moment(a, zoned);
  const y = moment(b, zoned);
  return x === undefined || y === undefined ? undefined : x - y;
}

/** One level of the questionnaire's items: each linkId's place (the first, should one repeat) and the required items' places. */
interface LevelIndex {
  positions: Map<string, number>;
  required: number[];
}

const levels = new WeakMap<QItem[], LevelIndex>();

function levelIndex(qItems: QItem[]): LevelIndex {
  let index = levels.get(qItems);
  if (!index) {
    const positions = new Map<string, number>();
    const required: number[] = [];
    qItems.forEach((q, i) => {
      if (typeof q.linkId === 'string' && !positions.has(q.linkId)) positions.set(q.linkId, i);
      if (q.required === true) required.push(i);
    });
    index = { positions, required };
    levels.set(qItems, index);
  }
  return index;
}

/** The items under `container` (the response, an item or an answer) against the questionnaire items of that level. */
function checkItems(ctx: Context, qItems: QItem[], container: JsonObject, path: string, stack: Level[]): void {
  const level = levelIndex(qItems);
  const groups = new Map<string, { node: JsonObject; path: string }[]>();
  let lastIndex = -1;
  objects(container, 'item').forEach((item, i) => {
    const itemPath = `${path}.item[${i}]`;
    const linkId = str(item, 'linkId');
    if (linkId === undefined) return; // item.linkId is 1..1: the definition reports it
    const index = level.positions.get(linkId) ?? -1;
    if (index < 0) {
      const elsewhere = ctx.form.byLinkId.get(linkId);
      if (!elsewhere) {
        report(
          ctx,
          'FHIR-QR-ITEM',
          'error',
          `LinkId '${linkId}' is not an item of the questionnaire at this place, nor anywhere in it`,
          item,
          itemPath,
        );
        return;
      }
      const up = ctx.form.parent.get(elsewhere);
      report(
        ctx,
        'FHIR-QR-ITEM',
        'error',
        `The item with linkId '${linkId}' is in the wrong place: the questionnaire has it ${up ? `under item '${String(up.linkId)}'` : 'at the top level'}`,
        item,
        itemPath,
      );
      checkItem(ctx, elsewhere, item, itemPath, [...stack, { q: elsewhere, a: item }]);
      return;
    }
    if (index < lastIndex)
      report(
        ctx,
        'FHIR-QR-ITEM',
        'error',
        `The item with linkId '${linkId}' is out of order: the questionnaire has it before the item above it`,
        item,
        itemPath,
      );
    lastIndex = index;
    const list = groups.get(linkId) ?? [];
    list.push({ node: item, path: itemPath });
    groups.set(linkId, list);
  });

  // The items given, and the required ones (while problems are still listed), in the questionnaire's order.
  const places = new Set<number>();
  for (const linkId of groups.keys()) places.add(level.positions.get(linkId)!);
  if (!full(ctx)) for (const i of level.required) places.add(i);
  for (const i of [...places].sort((a, b) => a - b)) {
    const q = qItems[i];
    const found = (typeof q.linkId === 'string' && groups.get(q.linkId)) || [];
    const enabled = isEnabled(ctx, q, stack);
    if (!found.length) {
      if (enabled === true && q.required === true) missingRequired(ctx, q, container, path);
      continue;
    }
    if (enabled === false)
      for (const f of found)
        if (prop(f.node, 'answer') || prop(f.node, 'item'))
          report(
            ctx,
            'FHIR-QR-ITEM',
            'error',
            `Item '${q.linkId}' has answers or items, but its enableWhen conditions are not met, so it is not enabled`,
            f.node,
            f.path,
          );
    if (found.length > 1 && q.repeats !== true)
      report(
        ctx,
        'FHIR-QR-ITEM',
        'error',
        `Item '${q.linkId}' appears ${found.length} times, but the questionnaire item does not repeat`,
        found[1].node,
        found[1].path,
      );
    for (const f of found) checkItem(ctx, q, f.node, f.path, [...stack, { q, a: f.node }]);
  }
}

function missingRequired(ctx: Context, q: QItem, at: JsonObject, path: string): void {
  report(ctx, 'FHIR-QR-ITEM', ctx.inProgress ? 'warning' : 'error', `Required item '${q.linkId}' has no answer`, at, path);
}

/** One response item against its questionnaire item. */
function checkItem(ctx: Context, q: QItem, item: JsonObject, path: string, stack: Level[]): void {
  const text = str(item, 'text');
  if (text && text !== q.text)
    report(
      ctx,
      'FHIR-QR-ITEM',
      'error',
      `The text of item '${q.linkId}' differs from the questionnaire's ('${q.text ?? ''}')`,
      prop(item, 'text'),
      `${path}.text`,
    );
  const answers = objects(item, 'answer');
  const type = q.type ?? '';
  if (typeof q.type !== 'string') {
    // Questionnaire.item.type is 1..1: without it the answers cannot be judged, only the items under them.
    report(
      ctx,
      'FHIR-QR-ITEM',
      'error',
      `The questionnaire gives item '${q.linkId}' no type, so its answers cannot be checked`,
      item,
      path,
    );
    answers.forEach((answer, j) => checkItems(ctx, q.item ?? [], answer, `${path}.answer[${j}]`, [...stack, { q, a: answer }]));
    checkItems(ctx, q.item ?? [], item, path, stack);
    return;
  }
  if (!answers.length && q.required === true && !NO_ANSWERS.has(type) && isEnabled(ctx, q, stack.slice(0, -1)) === true)
    missingRequired(ctx, q, item, path);
  if (answers.length > 1 && q.repeats !== true)
    report(
      ctx,
      'FHIR-QR-ANSWER',
      'error',
      `Item '${q.linkId}' has ${answers.length} answers, but the questionnaire item does not repeat`,
      answers[1],
      `${path}.answer[1]`,
    );
  const maxOccurs = extensionValue(q, `${EXT}questionnaire-maxOccurs`)?.value;
  if (typeof maxOccurs === 'number' && answers.length > maxOccurs)
    report(ctx, 'FHIR-QR-ANSWER', 'error', `Item '${q.linkId}' allows at most ${maxOccurs} answers, and has ${answers.length}`, item, path);
  const minOccurs = extensionValue(q, `${EXT}questionnaire-minOccurs`)?.value;
  if (typeof minOccurs === 'number' && answers.length < minOccurs)
    report(ctx, 'FHIR-QR-ANSWER', 'error', `Item '${q.linkId}' needs at least ${minOccurs} answers, and has ${answers.length}`, item, path);

  answers.forEach((answer, j) => {
    const answerPath = `${path}.answer[${j}]`;
    if (NO_ANSWERS.has(type) || type === 'display') {
      report(
        ctx,
        'FHIR-QR-ANSWER',
        'error',
        `Item '${q.linkId}' is of type ${type} in the questionnaire, which takes no answers`,
        answer,
        answerPath,
      );
      return;
    }
    const value = answerValue(answer);
    const allowed = ANSWER_TYPES.get(type);
    if (value && allowed) {
      if (!allowed.includes(value.type))
        report(
          ctx,
          'FHIR-QR-ANSWER',
          'error',
          `The answer to '${q.linkId}' must be ${allowed.map((t) => `value${t[0].toUpperCase()}${t.slice(1)}`).join(' or ')} (the item is of type ${type}), not ${value.key}`,
          value.node,
          `${answerPath}.${value.key}`,
        );
      else checkAnswer(ctx, q, value, answers.length, `${answerPath}.${value.key}`);
    }
    checkItems(ctx, q.item ?? [], answer, answerPath, [...stack, { q, a: answer }]);
  });

  if (type === 'display' || !NO_ANSWERS.has(type)) {
    if (prop(item, 'item'))
      report(
        ctx,
        'FHIR-QR-ITEM',
        'error',
        type === 'display'
          ? `Item '${q.linkId}' is a display item, which holds no items`
          : `Item '${q.linkId}' is a question: the items under it belong in its answer (answer.item), not in item.item`,
        item,
        path,
      );
    return;
  }
  if (q.required === true && !prop(item, 'item'))
    report(ctx, 'FHIR-QR-ITEM', ctx.inProgress ? 'warning' : 'error', `Required group '${q.linkId}' has no items`, item, path);
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
  const out: Report = {
    fail: (message) => report(ctx, 'FHIR-QR-ANSWER', 'error', message, value.node, path),
    warn: (message) => report(ctx, 'FHIR-QR-ANSWER', 'warning', message, value.node, path),
  };
  const v = value.plain;
  if (['decimal', 'integer', 'date', 'dateTime', 'time'].includes(value.type)) {
    const order = value.type === 'date' || value.type === 'dateTime' ? compareMoments : compareValues;
    const min = extensionValue(q, `${EXT}minValue`)?.value;
    const max = extensionValue(q, `${EXT}maxValue`)?.value;
    const fromMin = order(v, min);
    const fromMax = order(v, max);
    if (fromMin !== undefined && fromMin < 0) out.fail(`The answer ${String(v)} to '${q.linkId}' is less than its minimum, ${String(min)}`);
    if (fromMax !== undefined && fromMax > 0)
      out.fail(`The answer ${String(v)} to '${q.linkId}' is greater than its maximum, ${String(max)}`);
  }
  if (value.type === 'decimal' || value.type === 'Quantity') {
    const places = extensionValue(q, `${EXT}maxDecimalPlaces`)?.value;
    const raw =
      value.type === 'decimal' ? rawNumber(value.node) : value.node.kind === 'object' ? rawNumber(prop(value.node, 'value')) : undefined;
    const written = raw === undefined ? undefined : decimalPlaces(raw);
    if (typeof places === 'number' && written !== undefined && written > places)
      out.fail(`The answer ${raw} to '${q.linkId}' has ${written} decimal places, more than the ${places} allowed`);
  }
  if (value.type === 'string' && typeof v === 'string') checkString(q, v, out);
  if (value.type === 'Quantity') checkQuantity(q, v as Plain, out);
  if (value.type === 'Attachment') checkAttachment(q, v as Plain, out);
  if (value.type === 'Coding') {
    if (ANSWER_TYPES.get(String(q.type)) === CHOICE_TYPES) checkCoding(ctx, q, v as Plain, answerCount, out);
  } else if (['integer', 'date', 'time', 'string'].includes(value.type)) checkOption(q, value.type, v, out);
}

/** Numbers by value; times (hh:mm:ss) and strings in their order as text. */
function compareValues(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

function rawNumber(node: JsonNode | undefined): string | undefined {
  return node?.kind === 'number' ? node.raw : undefined;
}

/** Digits after the decimal point as written, the exponent counted: 1.25e-3 has 5. */
function decimalPlaces(raw: string): number {
  const [mantissa, exponent = '0'] = raw.toLowerCase().split('e');
  const fraction = /\.(\d+)/.exec(mantissa)?.[1].length ?? 0;
  return Math.max(0, fraction - Number(exponent));
}

const regexes = new Map<string, RE2JS | null>();
const MAX_PATTERN_LENGTH = 1000;

/**
 * A questionnaire's regex, run by RE2 (re2js): time linear in the answer's length whatever the
 * expression, where a backtracking engine takes exponential time on `([a-z]+ ?)*` and an answer that
 * almost matches. Null for an expression RE2 does not read.
 */
function linearRegex(pattern: string): RE2JS | null {
  // A questionnaire in the submission brings its own: a megabyte of pattern takes a second to compile.
  if (pattern.length > MAX_PATTERN_LENGTH) return null;
  let re = regexes.get(pattern);
  if (re === undefined) {
    try {
      re = RE2JS.compile(pattern);
    } catch {
      re = null;
    }
    if (regexes.size < 1000) regexes.set(pattern, re);
  }
  return re;
}

function checkString(q: QItem, v: string, { fail, warn }: Report): void {
  const minLength = extensionValue(q, `${EXT}minLength`)?.value;
  if (typeof minLength === 'number' && [...v].length < minLength)
    fail(`The answer '${v}' to '${q.linkId}' is shorter than its minimum length, ${minLength}`);
  if (typeof q.maxLength === 'number' && [...v].length > q.maxLength)
    fail(`The answer '${v}' to '${q.linkId}' is longer than its maximum length, ${q.maxLength}`);
  const regex = extensionValue(q, `${EXT}regex`)?.value;
  if (typeof regex === 'string') {
    const re = linearRegex(regex);
    const format = extensionValue(q, `${EXT}entryFormat`)?.value;
    if (!re)
      warn(
        `The regex ${regex.length > 80 ? `${regex.slice(0, 77)}...` : regex} of item '${q.linkId}' is not one samsvar can run (RE2 syntax, no back-references or look-around, at most ${MAX_PATTERN_LENGTH} characters), so the answer's format is not checked`,
      );
    else if (!re.matches(v))
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
    const names = (o: { type: string; value: unknown }) => {
      const c = o.value;
      return c && typeof c === 'object' ? [(c as Plain).display, (c as Plain).code] : [];
    };
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
    const options = q.answerOption.filter((o) => o.valueCoding !== null && typeof o.valueCoding === 'object');
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
    ? (ctx.form.q.contained.find((r) => r.resourceType === 'ValueSet' && r.id === ref.slice(1)) as FhirResource | undefined)
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
    const order = compareQuantities(v, limit);
    if (order === 'incommensurable') {
      fail(
        `The answer ${shown(v)} to '${q.linkId}' cannot be compared with its ${word}, ${shown(limit)}: the units measure different things`,
      );
      continue;
    }
    if (order === undefined) continue; // units that are not UCUM codes: not judged
    if (isMin ? order < 0 : order > 0)
      fail(`The answer ${shown(v)} to '${q.linkId}' is ${isMin ? 'less' : 'greater'} than its ${word}, ${shown(limit)}`);
  }
  const units = extensions(q, `${EXT}questionnaire-unitOption`)
    .map((e) => e.valueCoding)
    .filter((u): u is Plain => u !== null && typeof u === 'object');
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
  if (expression !== undefined) return ctx.form.trusted ? evaluateEnableWhen(expression, ctx.plain) : undefined;
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
    // As the HL7 validator: a condition without a system matches the code in any system.
    const same = (e?.system === undefined || a?.system === e.system) && a?.code === e?.code;
    return operator === '=' ? same : operator === '!=' ? !same : false;
  }
  if (type === 'Quantity') {
    const q = compareQuantities(actual, expected);
    order = typeof q === 'number' ? q : undefined;
  } else if (type === 'boolean' || type === 'Reference' || type === 'Attachment') {
    const same = JSON.stringify(actual) === JSON.stringify(expected);
    return operator === '=' ? same : operator === '!=' ? !same : false;
  } else if (type === 'date' || type === 'dateTime') order = compareMoments(actual, expected);
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
