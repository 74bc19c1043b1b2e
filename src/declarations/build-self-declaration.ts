import { newId } from '../core/ids.js';
import { SamsvarError } from '../core/samsvar-error.js';
import { checkOrgNumber } from '../identifiers/norwegian-ids.js';
import { addMonths } from './build-declaration.js';
import {
  DECLARATION_TYPE,
  type DeclarationContent,
  type Direction,
  type DocumentDigest,
  type IssuanceDetails,
  type Manufacturer,
  type ProductIdentification,
  type ProfileConformance,
} from './declaration.js';
import { checkIssuanceDetails } from './issuance.js';

/** A profile the vendor names for a level A declaration, as the catalog knows it. */
export interface NamedProfile extends Omit<ProfileConformance, 'direction'> {
  status: 'draft' | 'active' | 'deprecated' | 'retired';
}

export interface SelfDeclarationInput {
  manufacturer: Manufacturer;
  product: ProductIdentification;
  /** The profiles and directions the vendor declares, each resolved against the catalog. */
  profiles: Array<{ profile: NamedProfile; direction: Direction }>;
  documentation: DocumentDigest[];
  issuance: IssuanceDetails;
}

export const STATEMENT_A_NB =
  'Denne egenerklæringen utstedes på leverandørens eget ansvar. Leverandøren erklærer at systemversjonen ' +
  'over oppfyller meldingsprofilene som er listet, på grunnlag av den vedlagte dokumentasjonen. ' +
  'Samsvar har ikke testet systemet (tillitsnivå A).';

/**
 * Builds a level A declaration: the vendor's own word, backed by documentation it uploaded and
 * nothing the harness ran. It lists no test cases, names no run or validator, and signs the
 * documents' digests so they cannot be swapped afterwards.
 */
export function buildSelfDeclaration(
  input: SelfDeclarationInput,
  opts: { issuer: { name: string; url: string }; kid: string; now: Date; validityMonths?: number; id?: string },
): DeclarationContent {
  const org = checkOrgNumber(input.manufacturer.organisasjonsnummer);
  if (!org.ok) {
    throw new SamsvarError(
      'unprocessable',
      `the vendor's organisasjonsnummer ${input.manufacturer.organisasjonsnummer} is not valid: ${org.problem}`,
    );
  }
  const issuance = checkIssuanceDetails(input.issuance);
  if (input.profiles.length === 0) throw new SamsvarError('unprocessable', 'name at least one profile', { field: 'profiles' });
  if (input.documentation.length === 0) {
    throw new SamsvarError('unprocessable', 'a level A declaration rests on documentation: attach at least one document', {
      field: 'documents',
    });
  }
  const seen = new Set<string>();
  for (const { profile, direction } of input.profiles) {
    const key = `${profile.profile}/${direction}`;
    if (seen.has(key)) throw new SamsvarError('unprocessable', `profiles names ${key} twice`, { field: 'profiles' });
    seen.add(key);
    if (profile.status !== 'active') {
      throw new SamsvarError('unprocessable', `profile '${profile.profile}' is ${profile.status}; only active profiles can be declared`, {
        field: 'profiles',
      });
    }
  }
  const conformsTo = input.profiles
    .map(({ profile, direction }) => {
      const { status: _status, ...rest } = profile;
      return { ...rest, direction };
    })
    .sort((a, b) => a.profile.localeCompare(b.profile) || a.direction.localeCompare(b.direction));

  return {
    type: DECLARATION_TYPE,
    id: opts.id ?? `egn-${newId(16)}`,
    issuer: opts.issuer,
    manufacturer: input.manufacturer,
    product: input.product,
    statement: STATEMENT_A_NB,
    assuranceLevel: 'A',
    conformsTo,
    testCases: [],
    deviations: [],
    documentation: [...input.documentation].sort((a, b) => a.name.localeCompare(b.name) || a.sha256.localeCompare(b.sha256)),
    placeOfIssue: issuance.placeOfIssue,
    signatory: issuance.signatory,
    issuedAt: opts.now.toISOString(),
    expiresAt: addMonths(opts.now, opts.validityMonths ?? 24).toISOString(),
    kid: opts.kid,
  };
}
