/**
 * The FHIR R4 specification requires an Observation that records a vital sign to conform to the
 * vital-signs profile of that sign, whatever profiles it claims (observation-vitalsigns.html). The
 * HL7 validator recognises them by these LOINC and SNOMED CT codes; so does samsvar, in the same
 * order (a code listed for two signs takes the first).
 */
const VS = 'http://hl7.org/fhir/StructureDefinition/';
const LOINC = 'http://loinc.org';
const SCT = 'http://snomed.info/sct';

interface VitalSign {
  profile: string;
  name: string;
  system: string;
  codes: string[];
}

const SIGNS: VitalSign[] = [
  { profile: `${VS}vitalspanel`, name: 'Vital Signs Panel', system: LOINC, codes: ['85353-1'] },
  {
    profile: `${VS}resprate`,
    name: 'Respiratory Rate',
    system: LOINC,
    codes: ['9279-1', '76170-0', '76172-6', '76171-8', '19840-8', '33438-3', '76270-8', '11291-2'],
  },
  {
    profile: `${VS}heartrate`,
    name: 'Heart rate',
    system: LOINC,
    codes: [
      '60978-4',
      '73795-7',
      '73799-9',
      '76476-1',
      '76477-9',
      '8867-4',
      '8889-8',
      '8890-6',
      '8891-4',
      '8892-2',
      '8893-0',
      '40443-4',
      '55425-3',
      '68999-2',
      '11328-2',
      '69000-8',
      '8886-4',
    ],
  },
  {
    profile: `${VS}oxygensat`,
    name: 'Oxygen saturation',
    system: LOINC,
    codes: ['2708-6', '19224-5', '20564-1', '2709-4', '2710-2', '2713-6', '51733-4', '59408-5', '59417-6', '89276-0', '97549-0'],
  },
  {
    profile: `${VS}bodytemp`,
    name: 'Body temperature',
    system: LOINC,
    codes: [
      '8310-5',
      '60834-9',
      '60835-6',
      '60836-4',
      '60838-0',
      '60955-2',
      '61009-7',
      '75539-7',
      '75987-8',
      '76010-8',
      '76011-6',
      '76278-1',
      '8309-7',
      '8328-7',
      '8329-5',
      '8330-3',
      '8331-1',
      '8332-9',
      '8333-7',
      '8334-5',
      '91371-5',
      '98657-0',
      '98663-8',
    ],
  },
  { profile: `${VS}bodyheight`, name: 'Body height', system: LOINC, codes: ['8302-2', '3137-7', '3138-5', '8306-3', '8308-9'] },
  { profile: `${VS}headcircum`, name: 'Head circumference', system: LOINC, codes: ['9843-4', '8287-5'] },
  {
    profile: `${VS}bodyweight`,
    name: 'Body weight',
    system: LOINC,
    codes: ['29463-7', '3141-9', '3142-7', '75292-3', '79348-9', '8350-1', '8351-9'],
  },
  { profile: `${VS}bmi`, name: 'Body mass index', system: LOINC, codes: ['39156-5', '89270-3'] },
  {
    profile: `${VS}bp`,
    name: 'Blood pressure systolic and diastolic',
    system: LOINC,
    codes: ['85354-9', '35094-2', '8459-0', '76534-7', '55284-4', '8480-6'],
  },
  { profile: `${VS}vitalspanel`, name: 'Vital Signs Panel', system: SCT, codes: ['46680005'] },
  { profile: `${VS}resprate`, name: 'Respiratory Rate', system: SCT, codes: ['86290005', '271625008', '271306003'] },
  {
    profile: `${VS}heartrate`,
    name: 'Heart rate',
    system: SCT,
    codes: ['271306003', '249043002', '444981005', '399017001', '251670001', '429525003', '429614003'],
  },
  { profile: `${VS}oxygensat`, name: 'Oxygen saturation', system: SCT, codes: ['442476006', '431314004'] },
  {
    profile: `${VS}bodytemp`,
    name: 'Body temperature',
    system: SCT,
    codes: [
      '386725007',
      '276885007',
      '300076005',
      '1222808002',
      '364246006',
      '307047009',
      '708499008',
      '431598003',
      '698831002',
      '698832009',
      '415882003',
      '415974002',
      '415929009',
      '415945006',
    ],
  },
  {
    profile: `${VS}bodyheight`,
    name: 'Body height',
    system: SCT,
    codes: ['1153637007', '1162419008', '50373000', '1162418000', '1230278008', '1162392001', '1162417005'],
  },
  { profile: `${VS}headcircum`, name: 'Head circumference', system: SCT, codes: ['363812007', '169876006', '1269262007', '363811000'] },
  {
    profile: `${VS}bodyweight`,
    name: 'Body weight',
    system: SCT,
    codes: ['735395000', '425024002', '424927000', '784399000', '1162416001', '1162415002'],
  },
  { profile: `${VS}bmi`, name: 'Body mass index', system: SCT, codes: ['60621009'] },
  {
    profile: `${VS}bp`,
    name: 'Blood pressure systolic and diastolic',
    system: SCT,
    codes: [
      '75367002',
      '251076008',
      '163033001',
      '163035008',
      '386534000',
      '386536003',
      '271649006',
      '271650006',
      '407556006',
      '407554009',
      '716579001',
      '399304008',
    ],
  },
];

export interface VitalSignMatch {
  profile: string;
  name: string;
  /** `LOINC 8310-5` */
  code: string;
}

/** The vital-signs profile an Observation's code calls for, if any. */
export function vitalSignProfile(observation: unknown): VitalSignMatch | undefined {
  const codings = (observation as { code?: { coding?: unknown } } | null)?.code?.coding;
  if (!Array.isArray(codings)) return undefined;
  for (const sign of SIGNS) {
    for (const c of codings as { system?: unknown; code?: unknown }[]) {
      if (c?.system === sign.system && typeof c.code === 'string' && sign.codes.includes(c.code)) {
        return { profile: sign.profile, name: sign.name, code: `${sign.system === LOINC ? 'LOINC' : 'SNOMED CT'} ${c.code}` };
      }
    }
  }
  return undefined;
}
