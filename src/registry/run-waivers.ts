import { newId } from '../core/ids.js';
import { actorOf, type Principal } from '../auth/principal.js';
import { SamsvarError } from '../core/samsvar-error.js';
import { UNWAIVABLE_RULES, type Waiver } from '../waivers/waivers.js';
import { DeclarationPart } from './declaration-part.js';

/** Waivers on a run: an administrator excuses a rule until a deadline. */
export class RunWaivers extends DeclarationPart {
  async grantWaiver(
    p: Principal,
    runId: string,
    input: { ruleId: string; profile?: string; justification: string; deadline: string },
  ): Promise<Waiver> {
    if (p.role !== 'admin') throw new SamsvarError('forbidden', 'only an administrator can grant a waiver');
    if (UNWAIVABLE_RULES.has(input.ruleId))
      throw new SamsvarError(
        'unprocessable',
        `${input.ruleId} binds the evidence to the system under test and this run; it cannot be waived: the system must produce the artifact again`,
        { field: 'ruleId' },
      );
    const run = await this.deps.runs.getRun(p, runId);
    if (input.profile && !run.profiles.some((ps) => ps.profile === input.profile)) {
      throw new SamsvarError('unprocessable', `run ${runId} does not test profile '${input.profile}'`);
    }
    const deadline = new Date(input.deadline);
    const now = this.now();
    if (Number.isNaN(deadline.getTime())) throw new SamsvarError('bad_request', 'deadline must be an ISO 8601 date-time');
    if (deadline <= now) throw new SamsvarError('unprocessable', 'the deadline must lie in the future');
    const waiver: Waiver = {
      id: `avvik-${newId(12)}`,
      runId,
      ruleId: input.ruleId,
      ...(input.profile ? { profile: input.profile } : {}),
      justification: input.justification,
      deadline: deadline.toISOString(),
      grantedBy: p.name,
      grantedAt: now.toISOString(),
    };
    await this.deps.store.addWaiver(waiver, actorOf(p));
    return waiver;
  }

  async waivers(p: Principal, runId: string): Promise<Waiver[]> {
    await this.deps.runs.getRun(p, runId); // access: a vendor sees only its own runs
    return this.deps.store.waiversOf(runId);
  }
}
