import type { Hono } from 'hono';
import type { AppContext } from './app-context.js';

/** A group of web pages: registers its routes on the app with the context it needs. */
export type PageModule = (app: Hono, ctx: AppContext) => void;

/** The web pages a service serves, and the page a person gets for an address that does not exist. */
export interface WebPages {
  pageModules: PageModule[];
  notFoundPage(): Response;
  /** The page for a refused or failed request (a person's counterpart of the problem document), with its status. */
  errorPage(err: unknown, status: number, headers?: Record<string, string>): Response;
}
