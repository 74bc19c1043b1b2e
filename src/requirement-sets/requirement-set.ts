import { compileSchema, describeSchemaErrors } from '../core/json-schema.js';
import { SamsvarError } from '../core/samsvar-error.js';
import type { Direction } from '../declarations/declaration.js';

/**
 * A kravsett: what a municipal service of one type must (mandatory) and should (recommended)
 * support, after the regulation on standards (forskrift om IKT-standarder i helse- og
 * omsorgstjenesten) and the Referansekatalogen. A municipality attaches its annex to a tender.
 */
export interface Requirement {
  profile: string;
  /** Absent: either direction counts; otherwise the declaration must cover that direction. */
  direction?: Direction;
  level: 'mandatory' | 'recommended';
  note?: string;
}

export interface RequirementSet {
  id: string;
  title: string;
  /** e.g. sykehjem, hjemmetjeneste, legevakt, fastlege. */
  serviceType: string;
  description?: string;
  /** The regulation or catalogue entry the requirements come from. */
  basis?: string;
  requirements: Requirement[];
}

const schema = {
  type: 'object',
  required: ['id', 'title', 'serviceType', 'requirements'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{1,60}$' },
    title: { type: 'string', minLength: 1, maxLength: 200 },
    serviceType: { type: 'string', minLength: 1, maxLength: 60 },
    description: { type: 'string', maxLength: 4000 },
    basis: { type: 'string', maxLength: 1000 },
    requirements: {
      type: 'array',
      minItems: 1,
      maxItems: 200,
      items: {
        type: 'object',
        required: ['profile', 'level'],
        additionalProperties: false,
        properties: {
          profile: { type: 'string', minLength: 1, maxLength: 100 },
          direction: { enum: ['send', 'receive'] },
          level: { enum: ['mandatory', 'recommended'] },
          note: { type: 'string', maxLength: 1000 },
        },
      },
    },
  },
};

const validate = compileSchema(schema);

/** Checks an administrator's requirement set; `knownProfile` rejects ids the catalog does not have. */
export function parseRequirementSet(raw: unknown, knownProfile: (id: string) => boolean): RequirementSet {
  if (!validate(raw)) {
    throw new SamsvarError('bad_request', `not a valid requirement set: ${describeSchemaErrors(validate.errors, 'body')}`);
  }
  const set = raw as unknown as RequirementSet;
  const unknown = set.requirements.map((r) => r.profile).filter((p) => !knownProfile(p));
  if (unknown.length > 0)
    throw new SamsvarError('unprocessable', `the requirement set names unknown profiles: ${[...new Set(unknown)].join(', ')}`);
  const seen = new Set<string>();
  for (const r of set.requirements) {
    const key = `${r.profile}/${r.direction ?? '*'}`;
    if (seen.has(key))
      throw new SamsvarError('unprocessable', `profile ${r.profile}${r.direction ? ` (${r.direction})` : ''} is listed twice`);
    seen.add(key);
  }
  return set;
}
