import type { Severity } from '../core/finding.js';
import type { RuleId } from '../core/rule-catalogue.js';
import { checkHerId, checkHprNumber, checkOrgNumber, checkPersonNumber } from './norwegian-ids.js';

/** Identifier types as KITH's TypeId codes name them; FHIR maps its identifier systems onto them. */
export type IdentifierType = 'FNR' | 'DNR' | 'HPR' | 'HER' | 'ENH';

export interface IdentifierProblem {
  ruleId: Extract<RuleId, `ID-${string}`>;
  severity: Severity;
  message: string;
  /** `privacy` for a number that may be a real person's: data protection, not conformance. */
  layer?: 'privacy';
}

const NAMES: Record<IdentifierType, string> = {
  FNR: 'Fødselsnummer',
  DNR: 'D-nummer',
  HPR: 'HPR-nummer',
  HER: 'HER-id',
  ENH: 'Organisasjonsnummer',
};

/**
 * What is wrong with an identifier declared as `type`, in the same rule ids and words for XML
 * messages and FHIR resources. A person number with valid control digits that is not a synthetic
 * test number looks like a real person's: whether it may be stored is a data-protection question,
 * not conformance, so it is a warning on the privacy layer (`realPersonNumber: 'off'` silences it)
 * and its message never repeats the number. `wrongKind` says, in the format's own terms, that a
 * number declared as fødselsnummer is a D-nummer or the other way round.
 */
export function identifierProblem(
  type: IdentifierType,
  value: string,
  realPersonNumber: Severity | 'off',
  wrongKind: (declared: 'FNR' | 'DNR', value: string) => string,
): IdentifierProblem | undefined {
  const invalid = (ruleId: IdentifierProblem['ruleId'], problem?: string): IdentifierProblem => ({
    ruleId,
    severity: 'error',
    message: `${NAMES[type]} "${value}" is not valid: ${problem}`,
  });
  switch (type) {
    case 'FNR':
    case 'DNR': {
      const r = checkPersonNumber(value);
      if (!r.ok) return invalid(`ID-${type}`, r.problem);
      if ((type === 'FNR' && r.kind === 'dnr') || (type === 'DNR' && r.kind === 'fnr'))
        return { ruleId: `ID-${type}`, severity: 'error', message: wrongKind(type, value) };
      if (!r.synthetic && realPersonNumber !== 'off') {
        return {
          ruleId: 'ID-PERSON-REAL',
          severity: 'warning',
          layer: 'privacy',
          message: `This ${NAMES[type].toLowerCase()} has valid control digits but is not a synthetic test number (month + 40 or + 80): it may belong to a real person. The verdict does not depend on it, but samsvar will not store the artifact; use synthetic test data only`,
        };
      }
      return undefined;
    }
    case 'ENH': {
      const r = checkOrgNumber(value);
      return r.ok ? undefined : invalid('ID-ORGNR', r.problem);
    }
    case 'HER': {
      const r = checkHerId(value);
      return r.ok ? undefined : invalid('ID-HER', r.problem);
    }
    case 'HPR': {
      const r = checkHprNumber(value);
      return r.ok ? undefined : invalid('ID-HPR', r.problem);
    }
  }
}
