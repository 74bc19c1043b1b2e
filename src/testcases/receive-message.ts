import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SHIPPED_TESTCASES_DIR } from '../core/paths.js';
import { SamsvarError } from '../core/samsvar-error.js';
import { checkHerId } from '../identifiers/norwegian-ids.js';
import type { ReceiveTestcase, Testcase } from './testcase.js';
import { DEFAULT_NAMESPACES } from './testcase.js';
import { DEFAULT_TEST_RECEIVER, SAMSVAR_TEST_PARTY, type Party } from './test-party.js';
import { osloDateTime, randomSource, syntheticFodselsnummer, syntheticDnummer, syntheticHjelpenummer, syntheticName, uuidV4 } from './synthetic-data.js';
import { withXml } from '../xml/read-xml.js';
import { xmlText } from '../core/xml-text.js';

/** Every placeholder a message template may use, `{{name}}`. */
export const TEMPLATE_PLACEHOLDERS = [
  'msgId',
  'genDate',
  'date',
  'runId',
  'sender.name',
  'sender.herId',
  'sender.unitName',
  'sender.unitHerId',
  'sender.hcpGivenName',
  'sender.hcpFamilyName',
  'sender.hcpHpr',
  'receiver.name',
  'receiver.herId',
  'patient.fnr',
  'patient.hnr',
  'patient.dnr',
  'patient.givenName',
  'patient.familyName',
  'patient.dateOfBirth',
  'runPatient.fnr',
  'runPatient.givenName',
  'runPatient.familyName',
  'runPatient.dateOfBirth',
  'conversation.id',
  'conversation.parentMsgId',
] as const;

export type TemplatePlaceholder = (typeof TEMPLATE_PLACEHOLDERS)[number];

const PLACEHOLDER = /\{\{\s*([A-Za-z.]+)\s*\}\}/g;

/** Placeholders in a template that samsvar does not know (a test case author's typo). */
export function unknownPlaceholders(template: string): string[] {
  const known = new Set<string>(TEMPLATE_PLACEHOLDERS);
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]).filter((n) => !known.has(n)))];
}

export function templatesDir(testcasesDir: string = SHIPPED_TESTCASES_DIR): string {
  return path.join(testcasesDir, 'templates');
}

/** Reads a template by file name from a templates directory; the name may not leave the directory. */
export function readTemplate(name: string, dir: string = templatesDir()): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*\.xml$/.test(name) || name.includes('..')) {
    throw new SamsvarError('unprocessable', `template name '${name}' must be a plain file name ending in .xml`);
  }
  const file = path.join(dir, name);
  if (!existsSync(file)) throw new SamsvarError('unprocessable', `template ${name} does not exist in ${dir}`);
  return readFileSync(file, 'utf8');
}

export function fillTemplate(template: string, values: Record<TemplatePlaceholder, string>): string {
  return template.replace(PLACEHOLDER, (_whole, name: string) => {
    if (!(name in values)) throw new SamsvarError('internal', `template placeholder {{${name}}} has no value`);
    return xmlText(values[name as TemplatePlaceholder]);
  });
}

export interface GenerateContext {
  /** The test run the message belongs to; it appears in the message text so a vendor can tell runs apart. */
  runId: string;
  /** Same seed, same run id and same `now`: the same message (for tests and re-generation). */
  seed?: string;
  /** The vendor's receiving system (its HER-id from the address register); a test receiver otherwise. */
  receiver?: Party;
  /** For a svar: the MsgId of the forespørsel it answers (a fresh id otherwise). */
  inReplyTo?: string;
  now?: Date;
}

export interface GeneratedMessage {
  xml: string;
  msgId: string;
  /** MsgInfo/Type/@V (or Type/@V of a standalone Message), e.g. DIALOG_FORESPORSEL: the AppRec's OriginalMsgId/MsgType must repeat it. */
  msgType: string;
  genDate: string;
  patient: { fnr: string; hnr: string; givenName: string; familyName: string; dateOfBirth: string };
}

function templateOf(tc: ReceiveTestcase): string {
  if (tc.message.xml !== undefined) return tc.message.xml;
  if (tc.message.template !== undefined) return readTemplate(tc.message.template);
  throw new SamsvarError('internal', `test case ${tc.id} has neither a message template nor inline XML`);
}

/**
 * Builds the message a receive test case sends to the vendor's system: a fresh MsgId, GenDate now,
 * a synthetic patient (fødselsnummer in the +80 test range with valid control digits), samsvar's
 * test party as sender and the vendor's system as receiver.
 */
export function generateReceiveMessage(tc: Testcase, ctx: GenerateContext): GeneratedMessage {
  if (tc.kind !== 'receive') throw new SamsvarError('unprocessable', `test case ${tc.id} is a ${tc.kind} test case; only receive test cases have a generated message`);
  const receiver = ctx.receiver ?? DEFAULT_TEST_RECEIVER;
  const her = checkHerId(receiver.herId);
  if (!her.ok) throw new SamsvarError('bad_request', `receiver HER-id '${receiver.herId}' ${her.problem}`);
  if (receiver.herId === SAMSVAR_TEST_PARTY.herId) throw new SamsvarError('bad_request', `receiver HER-id ${receiver.herId} is samsvar's own test party`);

  const rnd = randomSource(ctx.seed === undefined ? undefined : `${ctx.seed}\0${ctx.runId}\0${tc.id}`);
  const msgId = uuidV4(rnd);
  const person = syntheticFodselsnummer(rnd);
  const name = syntheticName(rnd);
  const conversationId = ctx.inReplyTo ?? uuidV4(rnd);
  // Drawn last, so a seeded run regenerates the same messages as before this placeholder existed.
  const hnr = syntheticHjelpenummer(rnd, person.dateOfBirth);
  // One patient for every message of a run that builds on another (preliminary then final answer,
  // correction, cancellation): drawn from the run alone, so each test case of the run names them.
  const runRnd = randomSource(`${ctx.seed ?? ''}\0run-patient\0${ctx.runId}`);
  const runPerson = syntheticFodselsnummer(runRnd);
  const runName = syntheticName(runRnd);
  const runHnr = syntheticHjelpenummer(runRnd, runPerson.dateOfBirth);
  const template = templateOf(tc);
  const genDate = osloDateTime(ctx.now ?? new Date());
  const xml = fillTemplate(template, {
    msgId,
    genDate,
    date: genDate.slice(0, 10),
    runId: ctx.runId,
    'sender.name': SAMSVAR_TEST_PARTY.name,
    'sender.herId': SAMSVAR_TEST_PARTY.herId,
    'sender.unitName': SAMSVAR_TEST_PARTY.unitName,
    'sender.unitHerId': SAMSVAR_TEST_PARTY.unitHerId,
    'sender.hcpGivenName': SAMSVAR_TEST_PARTY.hcpGivenName,
    'sender.hcpFamilyName': SAMSVAR_TEST_PARTY.hcpFamilyName,
    'sender.hcpHpr': SAMSVAR_TEST_PARTY.hcpHpr,
    'receiver.name': receiver.name,
    'receiver.herId': receiver.herId,
    'patient.fnr': person.fnr,
    'patient.hnr': hnr,
    'patient.dnr': syntheticDnummer(person.dateOfBirth),
    'patient.givenName': name.givenName,
    'patient.familyName': name.familyName,
    'patient.dateOfBirth': person.dateOfBirth,
    'runPatient.fnr': runPerson.fnr,
    'runPatient.givenName': runName.givenName,
    'runPatient.familyName': runName.familyName,
    'runPatient.dateOfBirth': runPerson.dateOfBirth,
    'conversation.id': conversationId,
    'conversation.parentMsgId': conversationId,
  });
  const msgType = messageTypeOf(xml);
  const patient = /\{\{\s*runPatient\./.test(template)
    ? { fnr: runPerson.fnr, hnr: runHnr, ...runName, dateOfBirth: runPerson.dateOfBirth }
    : { fnr: person.fnr, hnr, ...name, dateOfBirth: person.dateOfBirth };
  return { xml, msgId, msgType, genDate, patient };
}

/**
 * The id and type an AppRec must repeat: MsgInfo/MsgId and MsgInfo/Type/@V of a Hodemelding, or MsgId
 * and Type/@V of a KITH message sent on its own (Epikrise, Henvisning 1.x, whose root is Message in
 * the standard's namespace). '' where the message has none.
 */
export function messageHeaderOf(xml: string | Uint8Array): { msgId: string; msgType: string } {
  const standalone = "/*[local-name() = 'Message']/*";
  return withXml(xml, ({ doc }) => ({
    msgId: String(doc.eval(`normalize-space(/mh:MsgHead/mh:MsgInfo/mh:MsgId | ${standalone}[local-name() = 'MsgId'])`, { mh: DEFAULT_NAMESPACES.mh })),
    msgType: String(doc.eval(`normalize-space(/mh:MsgHead/mh:MsgInfo/mh:Type/@V | ${standalone}[local-name() = 'Type']/@V)`, { mh: DEFAULT_NAMESPACES.mh })),
  }));
}

/** The message type an AppRec must repeat ('' when there is none); see messageHeaderOf. */
export function messageTypeOf(xml: string | Uint8Array): string {
  return messageHeaderOf(xml).msgType;
}

const templateTypes = new WeakMap<ReceiveTestcase, string>();

/**
 * The message type a receive test case's messages have: no placeholder stands in the message type,
 * so every message generated from the template has the template's type. Read once per test case.
 */
export function templateMessageType(tc: ReceiveTestcase): string {
  let type = templateTypes.get(tc);
  if (type === undefined) {
    type = messageTypeOf(templateOf(tc));
    templateTypes.set(tc, type);
  }
  return type;
}
