import type { Context } from 'hono';
import type { DeclarationService } from '../../registry/declaration-service.js';
import type { RequirementSetService } from '../../requirement-sets/requirement-set-service.js';
import type { AppContext } from '../app-context.js';

/** What the declaration route modules share: one service per app context, and the public URL. */
export interface DeclarationFeature {
  service(ctx: AppContext): DeclarationService;
  /** Requirement sets over the same registry. */
  requirementSets(ctx: AppContext): RequirementSetService;
  /** The service's public base URL (SAMSVAR_PUBLIC_URL), else the origin the request came to. */
  baseUrl(c: Context): string;
}
