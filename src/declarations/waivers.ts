/**
 * Waivers (approval with reservations): an administrator lets a named rule's findings pass on one
 * run until a deadline. What a waiver does not name still blocks.
 */
export interface Waiver {
  id: string;
  runId: string;
  ruleId: string;
  /** Limits the waiver to one profile; absent, it applies to the rule in every profile of the run. */
  profile?: string;
  justification: string;
  /** ISO date-time. */
  deadline: string;
  grantedBy: string;
  grantedAt: string;
}

export function waiverApplies(w: Waiver, profile: string, ruleId: string): boolean {
  return w.ruleId === ruleId && (w.profile === undefined || w.profile === profile);
}

/** Error rule ids no waiver covers: these still fail the test case. */
export function unwaivedErrors(profile: string, errorRuleIds: readonly string[], waivers: readonly Waiver[]): string[] {
  return errorRuleIds.filter((r) => !waivers.some((w) => waiverApplies(w, profile, r)));
}
