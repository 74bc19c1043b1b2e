import type { Layer, Severity } from '../core/finding.js';
import type { Position } from './json-parser.js';

export interface FindingSink {
  add(ruleId: string, severity: Severity, layer: Layer, message: string, pos: Position | undefined, path: string): void;
}

const SEVERITY_RANK: Record<Severity, number> = { error: 3, warning: 2, information: 1 };

/**
 * The findings of one resource checked against another (a response against its questionnaire, a
 * report against its measure), at most `max` of them listed: the problems can grow with the
 * product of the two resources' sizes. The rest are counted, and finish() reports them in one
 * finding of their worst severity, under the rule of the first of them that had it.
 */
export class CappedReport {
  private found = 0;
  private unlisted: { severity: Severity; ruleId: string } | undefined;

  constructor(
    private readonly sink: FindingSink,
    readonly max = 200,
  ) {}

  add(ruleId: string, severity: Severity, message: string, pos: Position | undefined, path: string): void {
    this.found++;
    if (this.found <= this.max) this.sink.add(ruleId, severity, 'profile', message, pos, path);
    else if (!this.unlisted || SEVERITY_RANK[severity] > SEVERITY_RANK[this.unlisted.severity]) this.unlisted = { severity, ruleId };
  }

  /** As many listed as the limit allows: searching for more only adds to the count. */
  get full(): boolean {
    return this.found >= this.max;
  }

  /** One finding for those past the limit, if any; `against` names what the resource was checked against. */
  finish(against: string, pos: Position | undefined, path: string): void {
    if (this.unlisted)
      this.sink.add(
        this.unlisted.ruleId,
        this.unlisted.severity,
        'profile',
        `The resource has more problems against ${against} than the ${this.max} listed; mend those and validate again`,
        pos,
        path,
      );
  }
}
