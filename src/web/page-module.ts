import type { Hono } from 'hono';
import type { AppContext } from '../server/app-context.js';

/** A group of web pages: registers its routes on the app with the context it needs. */
export type PageModule = (app: Hono, ctx: AppContext) => void;
