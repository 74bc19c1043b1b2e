import type { IncomingMessage } from 'node:http';
import type { ValidateFunction } from 'ajv';
import type { Context, Hono } from 'hono';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { getConnInfo } from '@hono/node-server/conninfo';
import { compileSchema, describeSchemaErrors, type JsonSchema } from '../core/json-schema.js';
import { SamsvarError } from '../core/samsvar-error.js';
import { actorOf, type Principal } from '../auth/principal.js';
import { setValidationClient } from '../pool/validation-client.js';
import type { AppContext } from './app-context.js';
import { parseJsonBody, readLimitedBody, readLimitedIncoming, requireMediaType } from './body.js';
import type { RateLimiter } from './rate-limit.js';

export type { JsonSchema };

/** A feature's routes: registers them on the router with the context it needs. */
export type RouteModule = (api: ApiRouter, ctx: AppContext) => void;

/** Who may call a route: anyone, a vendor token, an administrator, an administrator or a test laboratory, or any valid token. */
export type AuthRequirement = 'public' | 'vendor' | 'admin' | 'admin_or_lab' | 'any';

export interface QueryParam {
  schema: JsonSchema;
  required?: boolean;
  description?: string;
}

export interface ResponseDef {
  description: string;
  schema?: JsonSchema;
  /** Default application/json. */
  mediaType?: string;
}

/** The principal a handler gets: exactly what the route's auth requirement lets through. */
export type PrincipalFor<A extends AuthRequirement> = A extends 'public'
  ? Principal | null
  : A extends 'vendor'
    ? Principal & { role: 'vendor' }
    : A extends 'admin'
      ? Principal & { role: 'admin' }
      : A extends 'admin_or_lab'
        ? Principal & { role: 'admin' | 'lab' }
        : Principal;

/** The `{name}` placeholders of a path template, each a string (the router matched them). */
export type PathParams<P extends string> = string extends P
  ? Record<string, string>
  : P extends `${string}{${infer K}}${infer Rest}`
    ? { [k in K]: string } & PathParams<Rest>
    : Record<never, string>;

/** What a value checked against schema `S` is: the type json-schema-to-ts reads from the schema itself. */
export type SchemaType<S> = [S] extends [undefined]
  ? undefined
  : S extends JSONSchema
    ? JsonSchema extends S
      ? unknown
      : FromSchema<S>
    : unknown;

/** The query a handler gets: each parameter of its schema's type, optional unless required. */
export type QueryFor<Q> = string extends keyof Q
  ? Record<string, unknown>
  : { [K in keyof Q as Q[K] extends { required: true } ? K : never]: Q[K] extends { schema: infer S } ? SchemaType<S> : never } & {
      [K in keyof Q as Q[K] extends { required: true } ? never : K]?: Q[K] extends { schema: infer S } ? SchemaType<S> : never;
    };

/**
 * What a handler gets, typed from its route's description: the principal its `auth` admits, the
 * params its path names, the query and body its schemas describe (checked before the call).
 */
export interface ApiRequest<
  A extends AuthRequirement = AuthRequirement,
  P extends string = string,
  Q = Record<string, QueryParam>,
  B = JsonSchema,
> {
  c: Context;
  principal: PrincipalFor<A>;
  params: PathParams<P>;
  query: QueryFor<Q>;
  /** The parsed JSON body, already validated against `jsonBody`. */
  body: SchemaType<B>;
  /** The raw body of a `rawBody` route, exactly as received. */
  raw: { bytes: Uint8Array; mediaType: string } | null;
  /** The client's address, for rate limiting and logs. */
  clientAddress: string;
}

/**
 * A route, described as data: the router checks what it declares (auth, query, body) and the
 * OpenAPI document shows the same. `add` infers the type parameters from the description itself, so
 * the handler's inputs carry the types those checks guarantee.
 */
export interface RouteDef<
  A extends AuthRequirement = AuthRequirement,
  P extends string = string,
  Q extends Record<string, QueryParam> = Record<string, QueryParam>,
  B extends JsonSchema | undefined = JsonSchema | undefined,
> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI path template below /api/v1 (e.g. `/runs/{id}`), or from the root when `absolute`. */
  path: P;
  absolute?: boolean;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  auth: A;
  query?: Q;
  /** A JSON request body, validated with ajv against this schema (the same one the OpenAPI document shows). */
  jsonBody?: B;
  /** A raw request body (messages, resources) of one of these media types, handed over byte for byte. */
  rawBody?: { mediaTypes: string[]; description: string };
  responses: Record<number, ResponseDef>;
  /** Counted against the per-client rate limit. */
  rateLimited?: boolean;
  handler(req: ApiRequest<A, P, Q, B>): Promise<Response> | Response;
}

export interface RouterOptions {
  basePath: string;
  maxBodyBytes: number;
  rateLimiter: RateLimiter;
  /** Resolves the bearer token; null when none was sent. Throws `unauthorized` for a bad token. */
  authenticate(c: Context): Promise<Principal | null>;
}

/**
 * Registers routes on a Hono app and records them for the OpenAPI document, so that what is
 * documented is exactly what is validated: the JSON schemas given here are both compiled by ajv
 * for the request and written into the document.
 */
export class ApiRouter {
  readonly routes: RouteDef[] = [];

  constructor(
    private readonly app: Hono,
    private readonly opts: RouterOptions,
  ) {}

  /**
   * Registers a route. Its description is read as written (`const`), so the handler's principal,
   * params, query and body get their types from `auth`, `path`, `query` and `jsonBody`; stored
   * among the others, only the checks made before each call below stand for those types.
   */
  add<
    A extends AuthRequirement,
    const P extends string,
    const Q extends Record<string, QueryParam> = Record<never, QueryParam>,
    const B extends JsonSchema | undefined = undefined,
  >(def: RouteDef<A, P, Q, B>): void {
    if (this.routes.some((r) => r.method === def.method && this.fullPath(r) === this.fullPath(def))) {
      throw new Error(`route ${def.method.toUpperCase()} ${this.fullPath(def)} registered twice`);
    }
    this.routes.push(def);
    // Requests are untrusted: the first problem is reason enough, and nothing makes the validator collect more.
    const bodyValidator = def.jsonBody ? compileSchema(def.jsonBody, { allErrors: false }) : undefined;
    const queryValidator = def.query ? compileSchema(querySchema(def.query), { allErrors: false, coerceTypes: true }) : undefined;
    const honoPath = this.fullPath(def).replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
    this.app.on(def.method.toUpperCase(), honoPath, async (c) => this.handle(def, c, bodyValidator, queryValidator));
  }

  fullPath(def: Pick<RouteDef, 'path' | 'absolute'>): string {
    return def.absolute ? def.path : `${this.opts.basePath}${def.path}`;
  }

  private async handle(def: RouteDef, c: Context, bodyValidator?: ValidateFunction, queryValidator?: ValidateFunction): Promise<Response> {
    const clientAddress = clientAddressOf(c);
    if (def.rateLimited) {
      const wait = this.opts.rateLimiter.hit(clientAddress);
      if (wait > 0)
        throw new SamsvarError('rate_limited', `too many requests from ${clientAddress}; try again in ${wait} s`, { retryAfter: wait });
    }
    const principal = await this.authorize(def, c);
    // The validation pool shares its workers by client: a vendor (all its tokens), else the address.
    if (principal) setValidationClient(actorOf(principal));

    const query: Record<string, unknown> = { ...c.req.query() };
    if (queryValidator && !queryValidator(query))
      throw new SamsvarError('bad_request', describeSchemaErrors(queryValidator.errors, 'query'));

    let body: unknown;
    let raw: ApiRequest['raw'] = null;
    if (def.jsonBody) {
      requireMediaType(c.req.header('content-type'), ['application/json']);
      body = parseJsonBody(await this.readBody(c));
      if (!bodyValidator!(body)) throw new SamsvarError('bad_request', describeSchemaErrors(bodyValidator!.errors, 'body'));
    } else if (def.rawBody) {
      const mediaType = requireMediaType(c.req.header('content-type'), def.rawBody.mediaTypes);
      raw = { bytes: await this.readBody(c), mediaType };
    }
    return def.handler({ c, principal, params: c.req.param() as Record<string, string>, query, body, raw, clientAddress });
  }

  /** The request body within the limit: from Node's request stream when served by Node, else (app.request() in tests) from the web Request. */
  private readBody(c: Context): Promise<Uint8Array> {
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    return incoming ? readLimitedIncoming(incoming, this.opts.maxBodyBytes) : readLimitedBody(c.req.raw, this.opts.maxBodyBytes);
  }

  private async authorize(def: RouteDef, c: Context): Promise<Principal | null> {
    if (def.auth === 'public') {
      // A public route ignores credentials, but a present and bad token is still an error worth telling.
      return c.req.header('authorization') ? this.opts.authenticate(c) : null;
    }
    const principal = await this.opts.authenticate(c);
    if (!principal) throw new SamsvarError('unauthorized', 'this route needs a token: send Authorization: Bearer <token>');
    const allowed =
      def.auth === 'any' ||
      (def.auth === 'vendor' && principal.role === 'vendor') ||
      (def.auth === 'admin' && principal.role === 'admin') ||
      (def.auth === 'admin_or_lab' && (principal.role === 'admin' || principal.role === 'lab'));
    if (!allowed) {
      const need = { vendor: 'a vendor token', admin: 'an administrator token', admin_or_lab: 'an administrator or laboratory token' }[
        def.auth as 'vendor' | 'admin' | 'admin_or_lab'
      ];
      throw new SamsvarError('forbidden', `this route needs ${need}; yours has the role ${principal.role}`);
    }
    return principal;
  }
}

function querySchema(query: Record<string, QueryParam>): JsonSchema {
  return {
    type: 'object',
    properties: Object.fromEntries(Object.entries(query).map(([k, q]) => [k, q.schema])),
    required: Object.entries(query)
      .filter(([, q]) => q.required)
      .map(([k]) => k),
    additionalProperties: false,
  };
}

export function clientAddressOf(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // Requests made with app.request() in tests have no socket.
    return 'local';
  }
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json', ...headers } });
}
