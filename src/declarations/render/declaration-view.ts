import type { AssuranceLevel, CountersignatureContent, DeclarationContent } from '../declaration.js';
import type { StatusAnswer } from '../status.js';

/** Everything a rendering shows: the signed content plus what is known about it now. */
export interface DeclarationView {
  declaration: DeclarationContent;
  jws: string;
  jwsSha256: string;
  status: StatusAnswer;
  assuranceLevel: AssuranceLevel;
  /** The vendor's identity now (the signed content says what it was at issuance). */
  manufacturerIdentity?: 'verified' | 'unverified';
  /** Each countersignature's content with its compact JWS, so level C can be verified like the declaration. */
  countersignatures: Array<CountersignatureContent & { jws: string }>;
  /** Public base URL of the service, without a trailing slash. */
  baseUrl: string;
}
