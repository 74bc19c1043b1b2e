import { DeclarationAdministration } from './declaration-administration.js';
import { DeclarationIssuance } from './declaration-issuance.js';
import { declarationContext, type DeclarationServiceDeps } from './declaration-part.js';
import { DeclarationRegistry } from './declaration-registry.js';
import { RunWaivers } from './run-waivers.js';
import { SpotChecks } from './spot-checks.js';
import { TransparencyLogReader } from './transparency-log-reader.js';

export { DEFAULT_LEVEL_A_PER_DAY, type SelfDeclarationRequest } from './declaration-issuance.js';
export type { DeclarationServiceDeps, StatusChange } from './declaration-part.js';

/**
 * Declarations from issuance to revocation, the registry over them, spot checks and waivers: the one
 * entry point the routes and pages use. Each concern lives in its own module; this composes them over
 * the same dependencies, keys and clock. Checks access for every call; knows nothing of HTTP.
 */
export class DeclarationService {
  private readonly registry: DeclarationRegistry;
  private readonly issuance: DeclarationIssuance;
  private readonly administration: DeclarationAdministration;
  private readonly runWaivers: RunWaivers;
  private readonly spotCheckService: SpotChecks;
  private readonly log: TransparencyLogReader;

  constructor(deps: DeclarationServiceDeps) {
    const ctx = declarationContext(deps);
    this.registry = new DeclarationRegistry(ctx);
    this.issuance = new DeclarationIssuance(ctx, this.registry);
    this.administration = new DeclarationAdministration(ctx, this.registry);
    this.runWaivers = new RunWaivers(ctx);
    this.spotCheckService = new SpotChecks(ctx, this.registry, this.administration);
    this.log = new TransparencyLogReader(ctx, this.registry);
    this.clock = ctx.now;
  }

  readonly clock: () => Date;

  // Issuing
  issue: DeclarationIssuance['issue'] = (...a) => this.issuance.issue(...a);
  issueSelfDeclared: DeclarationIssuance['issueSelfDeclared'] = (...a) => this.issuance.issueSelfDeclared(...a);
  document: DeclarationIssuance['document'] = (...a) => this.issuance.document(...a);

  // Registry and status
  jwks: DeclarationRegistry['jwks'] = () => this.registry.jwks();
  entries: DeclarationRegistry['entries'] = () => this.registry.entries();
  sweep: DeclarationRegistry['sweep'] = () => this.registry.sweep();
  registryPage: DeclarationRegistry['registryPage'] = (...a) => this.registry.registryPage(...a);
  counts: DeclarationRegistry['counts'] = () => this.registry.counts();
  coveragePage: DeclarationRegistry['coveragePage'] = (...a) => this.registry.coveragePage(...a);
  declaredRuns: DeclarationRegistry['declaredRuns'] = (...a) => this.registry.declaredRuns(...a);
  entry: DeclarationRegistry['entry'] = (...a) => this.registry.entry(...a);
  view: DeclarationRegistry['view'] = (...a) => this.registry.view(...a);
  verify: DeclarationRegistry['verify'] = (...a) => this.registry.verify(...a);

  // Administrators and laboratories
  revoke: DeclarationAdministration['revoke'] = (...a) => this.administration.revoke(...a);
  withdraw: DeclarationAdministration['withdraw'] = (...a) => this.administration.withdraw(...a);
  countersign: DeclarationAdministration['countersign'] = (...a) => this.administration.countersign(...a);
  openLabRetest: DeclarationAdministration['openLabRetest'] = (...a) => this.administration.openLabRetest(...a);
  rotateKey: DeclarationAdministration['rotateKey'] = (...a) => this.administration.rotateKey(...a);

  // Waivers
  grantWaiver: RunWaivers['grantWaiver'] = (...a) => this.runWaivers.grantWaiver(...a);
  waivers: RunWaivers['waivers'] = (...a) => this.runWaivers.waivers(...a);

  // Spot checks
  requestSpotCheck: SpotChecks['requestSpotCheck'] = (...a) => this.spotCheckService.requestSpotCheck(...a);
  spotChecks: SpotChecks['spotChecks'] = (...a) => this.spotCheckService.spotChecks(...a);
  answerSpotCheck: SpotChecks['answerSpotCheck'] = (...a) => this.spotCheckService.answerSpotCheck(...a);

  // Transparency log and feeds
  logPage: TransparencyLogReader['logPage'] = (...a) => this.log.logPage(...a);
  logEntry: TransparencyLogReader['logEntry'] = (...a) => this.log.logEntry(...a);
  feedItems: TransparencyLogReader['feedItems'] = (...a) => this.log.feedItems(...a);
}
