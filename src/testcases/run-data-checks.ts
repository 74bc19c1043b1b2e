import type { Finding } from '../core/finding.js';
import { osloTimeNb } from '../core/oslo-day.js';
import { ruleFinding } from '../core/rule-catalogue.js';
import type { RunTestData } from '../core/run-test-data.js';
import type { ParsedXml } from '../xml/read-xml.js';
import type { MessageHeader } from './message-header.js';

/** Clocks of a vendor's test system and samsvar's differ a little; a GenDate this far outside the run still counts as within it. */
export const GENDATE_TOLERANCE_MS = 5 * 60_000;

/** A finding with its bokmål text for the pages (the English message stays in the API and CLI). */
const nb = (f: Finding, messageNb: string): Finding => ({ ...f, messageNb });

const RUN_REF = 'samsvar: evidence bound to the run (GET /api/v1/runs/{id} testData)';

/** The parties an AppRec must go between: from the generated message's receiver, to its sender. */
export interface GeneratedParties {
  /** HER-ids of the generated message's sender (samsvar's test party). */
  senderHerIds: string[];
  /** HER-ids of the generated message's receiver (the system's test party). */
  receiverHerIds: string[];
}

const OSLO = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Oslo', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});

/** Minutes Norway is ahead of UTC at an instant (60 or 120). */
function osloOffsetMinutes(at: number): number {
  const p = Object.fromEntries(OSLO.formatToParts(new Date(at)).map((x) => [x.type, x.value])) as Record<string, string>;
  const local = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  return Math.round((local - Math.floor(at / 1000) * 1000) / 60000);
}

/**
 * An xs:dateTime as an instant. Without a time zone it is Norwegian local time, as Norwegian
 * systems write GenDate. null when it is not a date-time.
 */
export function parseGenDate(value: string): number | null {
  const m = /^(-?\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:\d{2})?$/.exec(value.trim());
  if (!m) return null;
  if (m[2]) {
    const t = Date.parse(value.trim());
    return Number.isNaN(t) ? null : t;
  }
  const asUtc = Date.parse(`${m[1]}Z`);
  if (Number.isNaN(asUtc)) return null;
  const guess = asUtc - osloOffsetMinutes(asUtc) * 60000;
  return asUtc - osloOffsetMinutes(guess) * 60000;
}

function genDateFinding(header: MessageHeader, { locate }: ParsedXml, run: RunTestData, now: Date): Finding[] {
  if (!header.genDate) return [];
  const at = parseGenDate(header.genDate.value);
  if (at === null) return []; // the schema reports a GenDate that is not a date-time
  const opened = Date.parse(run.openedAt);
  if (at >= opened - GENDATE_TOLERANCE_MS && at <= now.getTime() + GENDATE_TOLERANCE_MS) return [];
  const why = at < opened ? `before the run opened (${run.openedAt})` : `after the time samsvar received it (${now.toISOString()})`;
  const hvorfor = at < opened ? `før kjøringen ble startet (${osloTimeNb(run.openedAt)})` : `etter at samsvar mottok den (${osloTimeNb(now.toISOString())})`;
  return [
    nb(
      ruleFinding(
        'RUN-GENDATE',
        `GenDate ${header.genDate.value} is ${why}: evidence for a run must be a message the system produced during the run`,
        { ...locate(header.genDate.node), reference: RUN_REF },
      ),
      `GenDate ${header.genDate.value} er ${hvorfor}: beviset for en kjøring må være en melding systemet har laget under kjøringen.`,
    ),
  ];
}

/**
 * The run's data a message the system sends must carry: the run's test patient (where the
 * message names a patient with an identifier), the system's test party as sender and samsvar's as
 * receiver (a Hodemelding's MsgInfo; a message sent on its own names both in its body), and a
 * GenDate within the run.
 */
export function checkSubmittedMessage(xml: ParsedXml, header: MessageHeader, run: RunTestData, now: Date): Finding[] {
  const { locate } = xml;
  const findings: Finding[] = [];
  const withIds = header.patients.filter((p) => p.ids.length > 0);
  const runIds = [run.patient.fnr, run.patient.hnr].filter((v) => v !== '');
  if (withIds.length > 0 && !withIds.some((p) => p.ids.some((id) => runIds.includes(id)))) {
    findings.push(
      nb(
        ruleFinding(
          'RUN-PATIENT',
          `the message's patient is ${withIds.flatMap((p) => p.ids).join(', ')}, not the run's test patient ${run.patient.fnr} (hjelpenummer ${run.patient.hnr}, ${run.patient.givenName} ${run.patient.familyName}): register that patient in your system and send the message about them`,
          { ...locate(withIds[0]!.node), reference: RUN_REF },
        ),
        `Pasienten i meldingen er ${withIds.flatMap((p) => p.ids).join(', ')}, ikke kjøringens testpasient ${run.patient.fnr} (hjelpenummer ${run.patient.hnr}, ${run.patient.givenName} ${run.patient.familyName}). Registrer testpasienten i systemet og send meldingen om den.`,
      ),
    );
  }
  // A document that names no communication party at all (no header, no HER-id) does not carry them: nothing to check.
  const carriesParties = header.senderHerIds !== null || header.receiverHerIds !== null || header.allHerIds.length > 0;
  const sys = carriesParties ? run.systemParty : null;
  if (sys) {
    const named = header.senderHerIds ? header.senderHerIds.values : header.allHerIds;
    if (!named.includes(sys.herId)) {
      const where = header.senderHerIds ? `the sender names HER-id ${named.join(', ') || 'none'}` : `the message names HER-id ${named.join(', ') || 'none'}`;
      findings.push(
        nb(
          ruleFinding(
            'RUN-SENDER',
            `${where}, not your system's test communication party ${sys.herId} (registered on the system version): the message must come from the system under test`,
            { ...(header.senderHerIds ? locate(header.senderHerIds.node) : locate(xml.doc.root)), reference: RUN_REF },
          ),
          `Meldingen kommer ikke fra systemets testkommunikasjonspart med HER-id ${sys.herId} (registrert på systemversjonen); den oppgir ${named.join(', ') || 'ingen HER-id'}.`,
        ),
      );
    }
  }
  const samsvar = run.samsvarParty.herId;
  const toWhom = header.receiverHerIds ? header.receiverHerIds.values : header.allHerIds;
  if (carriesParties && !toWhom.includes(samsvar)) {
    const where = header.receiverHerIds ? `the receiver names HER-id ${toWhom.join(', ') || 'none'}` : `the message names HER-id ${toWhom.join(', ') || 'none'}`;
    findings.push(
      nb(
        ruleFinding(
          'RUN-RECEIVER',
          `${where}, not samsvar's test communication party ${samsvar} (${run.samsvarParty.name}): address the message to it`,
          { ...(header.receiverHerIds ? locate(header.receiverHerIds.node) : locate(xml.doc.root)), reference: RUN_REF },
        ),
        `Meldingen er ikke adressert til samsvars testkommunikasjonspart ${run.samsvarParty.name} med HER-id ${samsvar}; den oppgir ${toWhom.join(', ') || 'ingen HER-id'}.`,
      ),
    );
  }
  return [...findings, ...genDateFinding(header, xml, run, now)];
}

/**
 * An AppRec answering a generated message must come from that message's receiver (the system) and
 * go to its sender (samsvar), and be written during the run.
 */
export function checkAppRecParties(xml: ParsedXml, header: MessageHeader, parties: GeneratedParties, run: RunTestData | undefined, now: Date): Finding[] {
  const { locate } = xml;
  const findings: Finding[] = [];
  const from = header.senderHerIds?.values ?? [];
  if (!from.some((h) => parties.receiverHerIds.includes(h))) {
    findings.push(
      ruleFinding(
        'RCV-APPREC-SENDER',
        `the AppRec's Sender names HER-id ${from.join(', ') || 'none'}, but it must come from the receiver of the generated message (HER-id ${parties.receiverHerIds.join(' or ')}): your system answers as itself`,
        { ...locate(header.senderHerIds?.node ?? xml.doc.root), reference: RUN_REF },
      ),
    );
  }
  const to = header.receiverHerIds?.values ?? [];
  if (!to.some((h) => parties.senderHerIds.includes(h))) {
    findings.push(
      ruleFinding(
        'RCV-APPREC-RECEIVER',
        `the AppRec's Receiver names HER-id ${to.join(', ') || 'none'}, but it must go to the sender of the generated message (HER-id ${parties.senderHerIds.join(' or ')})`,
        { ...locate(header.receiverHerIds?.node ?? xml.doc.root), reference: RUN_REF },
      ),
    );
  }
  return run ? [...findings, ...genDateFinding(header, xml, run, now)] : findings;
}

/** FHIR identifier systems of fødselsnummer and hjelpenummer (Folkeregisteret, KITH). */
const PERSON_SYSTEMS = ['urn:oid:2.16.578.1.12.4.1.4.1', 'urn:oid:2.16.578.1.12.4.1.4.3'];

/**
 * A FHIR Patient resource the system serves or sends in a run is the run's test patient: one of
 * its identifiers is the run's fødselsnummer or hjelpenummer (when it has any identifier).
 */
export function checkSubmittedResource(resource: unknown, run: RunTestData): Finding[] {
  const r = resource as { resourceType?: unknown; identifier?: unknown };
  if (!r || r.resourceType !== 'Patient' || !Array.isArray(r.identifier)) return [];
  // Fødselsnummer and hjelpenummer only: a D-nummer patient (its own test case) is not the run's to check.
  const values = r.identifier
    .filter((i) => i && typeof i === 'object' && PERSON_SYSTEMS.includes((i as { system?: unknown }).system as string))
    .map((i) => (i as { value?: unknown }).value)
    .filter((v): v is string => typeof v === 'string' && v !== '');
  if (values.length === 0 || values.some((v) => v === run.patient.fnr || v === run.patient.hnr)) return [];
  return [
    nb(
      ruleFinding('RUN-PATIENT', `the Patient's identifiers are ${values.join(', ')}, not the run's test patient ${run.patient.fnr} (hjelpenummer ${run.patient.hnr}): register that patient in your system and submit it`, { path: 'Patient.identifier', reference: RUN_REF }),
      `Pasientens identifikatorer er ${values.join(', ')}, ikke kjøringens testpasient ${run.patient.fnr} (hjelpenummer ${run.patient.hnr}). Registrer testpasienten i systemet og lever den.`,
    ),
  ];
}
