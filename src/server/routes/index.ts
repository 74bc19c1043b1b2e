import type { RouteModule } from '../api-router.js';
import { adminRoutes } from './admin.js';
import { codelistRoutes } from './codelists.js';
import { profileRoutes } from './profiles.js';
import { runRoutes } from './runs.js';
import { systemRoutes } from './systems.js';
import { testcaseRoutes } from './testcases.js';
import { validateRoutes } from './validate.js';
import { vendorRoutes } from './vendors.js';

/** The service's own route modules; features such as declarations are passed to createApp next to these. */
export const CORE_ROUTE_MODULES: RouteModule[] = [
  vendorRoutes,
  systemRoutes,
  profileRoutes,
  testcaseRoutes,
  runRoutes,
  validateRoutes,
  adminRoutes,
  codelistRoutes,
];
