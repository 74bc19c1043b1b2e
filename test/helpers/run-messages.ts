import { randomUUID } from 'node:crypto';
import { fillTemplate, readTemplate, TEMPLATE_PLACEHOLDERS, type TemplatePlaceholder } from '../../src/testcases/receive-message.js';
import { osloDateTime, syntheticDnummer } from '../../src/testcases/synthetic-data.js';
import type { RunTestData } from '../../src/core/run-test-data.js';

/**
 * A message as the system under test would send it in a run: from the system's own test party to
 * samsvar's, about the run's test patient, with a fresh MsgId and GenDate now. Built from one of
 * samsvar's receive templates with the roles turned round (the template's sender becomes the
 * system), so every standard with a template has a valid run-specific message for tests.
 */
export function runMessage(
  template: string,
  data: RunTestData,
  opts: { msgId?: string; genDate?: string; senderHerId?: string; receiverHerId?: string } = {},
): string {
  const genDate = opts.genDate ?? osloDateTime(new Date());
  const system = data.systemParty ?? { name: 'Testsystemet', herId: '8999911' };
  const p = data.patient;
  const conversation = randomUUID();
  const values: Record<TemplatePlaceholder, string> = {
    msgId: opts.msgId ?? randomUUID(),
    genDate,
    date: genDate.slice(0, 10),
    runId: data.runId,
    'sender.name': system.name,
    'sender.herId': opts.senderHerId ?? system.herId,
    'sender.unitName': `${system.name}, legekontoret`,
    'sender.unitHerId': '8999913',
    'sender.hcpGivenName': 'Lene',
    'sender.hcpFamilyName': 'Leverandørlege',
    'sender.hcpHpr': '9999802',
    'receiver.name': data.samsvarParty.name,
    'receiver.herId': opts.receiverHerId ?? data.samsvarParty.herId,
    'patient.fnr': p.fnr,
    'patient.hnr': p.hnr,
    'patient.dnr': syntheticDnummer(p.dateOfBirth),
    'patient.givenName': p.givenName,
    'patient.familyName': p.familyName,
    'patient.dateOfBirth': p.dateOfBirth,
    'runPatient.fnr': p.fnr,
    'runPatient.givenName': p.givenName,
    'runPatient.familyName': p.familyName,
    'runPatient.dateOfBirth': p.dateOfBirth,
    'conversation.id': conversation,
    'conversation.parentMsgId': conversation,
  };
  if (Object.keys(values).length !== TEMPLATE_PLACEHOLDERS.length) throw new Error('runMessage: a template placeholder has no value');
  return fillTemplate(readTemplate(template), values);
}

/** The template a Dialogmelding 1.1 forespørsel is built from. */
export const FORESPORSEL_TEMPLATE = 'dialogmelding-foresporsel.xml';
