import { SamsvarError } from '../core/samsvar-error.js';
import type { ProfileCatalog } from '../profiles/catalog.js';
import { detectRules } from '../profiles/manifest.js';
import type { Testcase, TestcaseKind } from './testcase.js';

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{1,100}$/;
const MSGHEAD_NS = 'http://www.kith.no/xmlstds/msghead/2006-05-24';

/** A new test case file and, for a receive test case without a template to reuse, the template it names. */
export interface Scaffold {
  testcase: Record<string, unknown>;
  template?: { name: string; xml: string };
}

/**
 * The skeleton of a test case an author fills in: valid against testcase.schema.json and loadable as
 * it stands, with bokmål placeholder texts that say what to write. `existing` are the loaded test
 * cases: a receive test case reuses the message template of its profile's other receive test cases.
 */
export function scaffoldTestcase(input: { id: string; profile: string; kind: TestcaseKind }, catalog: ProfileCatalog, existing: readonly Testcase[]): Scaffold {
  const { id, kind } = input;
  if (!ID.test(id)) throw new SamsvarError('bad_request', `test case id '${id}' must be 2–101 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  if (existing.some((t) => t.id === id)) throw new SamsvarError('conflict', `test case '${id}' exists already`);
  const profile = catalog.require(input.profile);
  const m = profile.manifest;
  const base = {
    $schema: '../schemas/testcase.schema.json',
    id,
    profile: m.id,
    kind,
    title: `TODO: kort tittel på testen av ${m.title}`,
    description: 'TODO: beskriv hva leverandøren skal gjøre i systemet, med hvilke opplysninger, og hva som kontrolleres.',
    requirements: ['TODO: kapittel i standarden eller akseptansetestens scenario'],
  };
  if (kind === 'submit') {
    const assertion =
      m.kind === 'fhir'
        ? { id: `${id}-1`, fhirpath: 'id.exists()', message: 'TODO: hva som mangler eller er feil, og hva som forventes (feilmeldingen leverandøren ser).' }
        : { id: `${id}-1`, xpath: 'count(/*) = 1', message: 'TODO: hva som mangler eller er feil, og hva som forventes (feilmeldingen leverandøren ser).' };
    return { testcase: { ...base, expect: { assertions: [assertion] } } };
  }
  if (kind === 'receive') {
    if (m.kind !== 'xml') throw new SamsvarError('bad_request', `receive test cases send an XML message; profile ${m.id} is FHIR (use --kind submit or live)`);
    const reusedTemplate = existing.flatMap((t) => (t.kind === 'receive' && t.profile === m.id && t.message.template ? [t.message.template] : []))[0];
    const template = reusedTemplate ? undefined : { name: `${id}.xml`, xml: templateSkeleton(m.id, detectRules(m)[0]?.rootNamespace) };
    return {
      testcase: { ...base, message: { template: reusedTemplate ?? template!.name }, expect: { apprec: { status: ['1'] } } },
      ...(template ? { template } : {}),
    };
  }
  if (m.kind !== 'fhir') throw new SamsvarError('bad_request', `live test cases read a FHIR API; profile ${m.id} is XML (use --kind submit or receive)`);
  const type = m.messageTypes?.[0] ?? 'Patient';
  return {
    testcase: {
      ...base,
      parameters: [{ name: 'resourceId', description: `TODO: den logiske id-en til testressursen (${type}) på leverandørens server`, example: 'test-1' }],
      steps: [{ read: { type, id: '{{resourceId}}', profile: m.id, title: `TODO: les testressursen (${type})` } }],
    },
  };
}

function templateSkeleton(profile: string, rootNamespace: string | undefined): string {
  const ns = rootNamespace ?? 'urn:todo';
  const root = ns === MSGHEAD_NS ? 'MsgHead' : 'Message';
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- TODO: meldingen samsvar sender til systemet for profilen ${profile}. Erstatt med en fullstendig, gyldig melding.
     Plassholdere: {{msgId}}, {{genDate}}, {{sender.herId}}, {{receiver.herId}}, {{patient.fnr}} og flere (se README, Test cases). -->
<${root} xmlns="${ns}">
  <MsgId>{{msgId}}</MsgId>
</${root}>
`;
}
