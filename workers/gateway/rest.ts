/**
 * The public REST API (JSON), served from the table of rest-routes.ts through the public router's
 * caller: each row's input is gathered from the path, the Idempotency-Key header and the body or
 * query string, checked against its procedure's own input schema piece by piece (so an error
 * names the path parameter or header, and a bad one is refused before the body is read), then the
 * procedure runs as it does for `/trpc`. A success body is the result; errors go through errors.ts.
 */
import { Hono, type Context, type MiddlewareHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import type { AnyTRPCProcedure } from "@trpc/server";
import { DomainError } from "../../shared/core/errors";
import { idempotencyHeader } from "../../shared/core/request-scope";
import { createCallerFactory, outputSchemaOf, type MeshContext } from "../../shared/rpc/trpc";
import { adminKey } from "../../shared/middleware/admin-key";
import type { WorkerEnv } from "../../shared/worker/worker";
import { badInput, errorAnswer } from "./errors";
import { gatewayRouter } from "./router";
import { adminAreas, restRoutes, type RestMethod, type RestRoute } from "./rest-routes";
import type { GatewayContext } from "./deps";

type Ctx = Context<WorkerEnv>;

/** How a row reads its input, worked out once from the row and its procedure's input schema. */
interface InputPlan {
  params: { name: string; field: string; schema: z.ZodType }[];
  /** The Idempotency-Key header's schema, when the row takes one. */
  key: z.ZodType | null;
  /** The body's own fields (the input without the path's and the key's), when the input is the body. */
  body: z.ZodType | null;
  /** No body reads as `{}` (the row's `bodyOptional`). */
  bodyOptional: boolean;
  query: boolean;
  /** The row reads a read model and `?after=` is its consistency token (not a row whose input has its own `after`). */
  afterToken: boolean;
}

/** The procedure of the public router at a dotted path. */
function procedureAt(path: string): AnyTRPCProcedure {
  // At run time `procedures` is flat, keyed by dotted path (its declared type is the nested record).
  const procedure = (gatewayRouter._def.procedures as unknown as Record<string, AnyTRPCProcedure | undefined>)[path];
  if (!procedure) throw new Error(`REST route onto ${path}: the public router has no such procedure`);
  return procedure;
}

/** The output schema of a procedure of the public router (every one declares it: `answers`). */
export function outputSchemaAt(path: string): z.ZodType {
  const schema = outputSchemaOf(procedureAt(path));
  if (!schema) throw new Error(`REST route onto ${path}: the procedure declares no output schema (answers(...))`);
  return schema;
}

/** The input schema of a procedure of the public router (null: it takes none). */
export function inputSchemaOf(path: string): z.ZodObject | null {
  const [declared] = procedureAt(path)._def.inputs as unknown[];
  if (declared === undefined) return null;
  // An optional input (the sales report's: its page and token) is planned as its object.
  const schema = declared instanceof z.ZodOptional ? declared.unwrap() : declared;
  if (!(schema instanceof z.ZodObject)) throw new Error(`REST route onto ${path}: its input is not an object schema`);
  return schema;
}

/** The names of a Hono path's parameters, in order. */
export function pathParamsOf(path: string): string[] {
  return [...path.matchAll(/:(\w+)/g)].map((match) => match[1]!);
}

function fieldSchema(row: RestRoute, schema: z.ZodObject | null, field: string): z.ZodType {
  const found = schema?.shape[field];
  if (!found) throw new Error(`REST route ${row.method} ${row.path}: ${row.procedure} has no input field ${field}`);
  return found as z.ZodType;
}

/** The procedure's schema without the fields taken from elsewhere; strictness and refinements kept. */
function withoutFields(schema: z.ZodObject, taken: string[]): z.ZodType {
  const own = Object.fromEntries(Object.entries(schema.shape).filter(([field]) => !taken.includes(field)));
  // zod's omit() refuses an object with refinements (updateProductInput's "give at least one").
  return schema.clone({ ...schema.def, shape: own } as typeof schema.def);
}

export function planOf(row: RestRoute): InputPlan {
  const schema = inputSchemaOf(row.procedure);
  const params = pathParamsOf(row.path).map((name) => {
    const field = row.params?.[name] ?? name;
    return { name, field, schema: fieldSchema(row, schema, field) };
  });
  const key = row.idempotencyKey ? fieldSchema(row, schema, "idempotencyKey") : null;
  const taken = [...params.map((param) => param.field), ...(key ? ["idempotencyKey"] : [])];
  if (row.from === "body" && !schema) throw new Error(`REST route ${row.method} ${row.path}: ${row.procedure} takes no body`);
  // A read's `?after=` is its token, unless its own input has a field `after`.
  const afterToken = schema !== null && "consistencyToken" in schema.shape && !("after" in schema.shape);
  const body = row.from === "body" ? withoutFields(schema!, taken) : null;
  return { params, key, body, bodyOptional: row.bodyOptional === true, query: row.from === "query", afterToken };
}

function check<S extends z.ZodType>(schema: S, value: unknown, prefix = ""): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw badInput(result.error, prefix);
  return result.data;
}

async function bodyOf(c: Ctx, schema: z.ZodType, optional: boolean): Promise<Record<string, unknown>> {
  let parsed: unknown;
  try {
    const text = await c.req.text();
    parsed = optional && text === "" ? {} : JSON.parse(text);
  } catch {
    throw new DomainError("BAD_INPUT", "body is not valid JSON");
  }
  return check(schema, parsed) as Record<string, unknown>;
}

/** The query string (but `after` when it is the token); a numeric `limit` becomes a number so the procedure's schema can check it. */
function queryOf(c: Ctx, afterIsToken: boolean): Record<string, string | number> {
  const values: Record<string, string | number> = { ...c.req.query() };
  if (afterIsToken) delete values["after"];
  const limit = values["limit"];
  if (typeof limit === "string" && /^-?\d+(\.\d+)?$/.test(limit)) values["limit"] = Number(limit);
  return values;
}

/** Path parameters first, then the Idempotency-Key, then the body or query (and a read's `?after=` token): the order errors are found in. */
async function inputOf(c: Ctx, plan: InputPlan): Promise<Record<string, unknown>> {
  const input: Record<string, unknown> = {};
  for (const { name, field, schema } of plan.params) input[field] = check(schema, c.req.param(name), name);
  const header = plan.key ? c.req.header(idempotencyHeader) : undefined;
  if (plan.key && header !== undefined) input["idempotencyKey"] = check(plan.key, header, "Idempotency-Key");
  if (plan.body) return { ...(await bodyOf(c, plan.body, plan.bodyOptional)), ...input };
  // `?after=` is the read's consistency token (the header is the other way).
  const token = plan.afterToken ? c.req.query("after") : undefined;
  const query = plan.query ? queryOf(c, plan.afterToken) : {};
  return token === undefined ? { ...query, ...input } : { ...query, ...input, consistencyToken: token };
}

const createCaller = createCallerFactory(gatewayRouter);

/**
 * Runs the row's procedure as `/trpc` would. `admin` is what the row's guard already checked (the
 * key was verified before the body was read); the procedure's own check then agrees.
 */
function callProcedure(c: Ctx, deps: GatewayContext, row: RestRoute, input: Record<string, unknown>): Promise<unknown> {
  const ctx: MeshContext = { correlationId: c.get("correlationId"), caller: null, logger: c.get("logger"), deps, admin: row.admin === true, checkOutputs: deps.checkOutputs ?? true };
  // The caller is a proxy: `caller.orders.place(input)` reached one path segment at a time.
  const procedure = row.procedure.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], createCaller(ctx));
  return (procedure as (input: unknown) => Promise<unknown>)(input);
}

async function serve(c: Ctx, deps: GatewayContext, row: RestRoute, plan: InputPlan): Promise<Response> {
  const result = await callProcedure(c, deps, row, await inputOf(c, plan));
  const { status, body, headers } = row.answer ? row.answer(result as never) : { status: row.status, body: result, headers: undefined };
  for (const [name, value] of Object.entries(headers ?? {})) c.header(name, value);
  return c.json(withoutToken(body) as object, status);
}

/** A write's result without its `consistencyToken`: on REST the token is the `x-consistency-token` header (set by the edge). */
export function withoutToken(result: unknown): unknown {
  if (typeof result !== "object" || result === null || !("consistencyToken" in result)) return result;
  const { consistencyToken: _, ...rest } = result;
  return rest;
}

function inAdminArea(method: RestMethod, path: string): boolean {
  return adminAreas.some((area) => (area.method === "ALL" || area.method === method) && path.startsWith(area.path.replace(/\*$/, "")));
}

/** One Hono route per method and path; of its rows, the first whose `when` holds serves. */
function serveEndpoint(api: Hono<WorkerEnv>, deps: GatewayContext, rows: RestRoute[], adminOnly: MiddlewareHandler<WorkerEnv>): void {
  const { method, path } = rows[0]!;
  const planned = rows.map((row) => ({ row, plan: planOf(row) }));
  if (rows.some((row) => row.admin) && !inAdminArea(method, path)) api.on(method, path, adminOnly);
  api.on(method, path, (c) => {
    const chosen = planned.find(({ row }) => row.when === undefined || row.when(c.req.query()));
    if (!chosen) throw new DomainError("NOT_FOUND", `no route ${c.req.method} ${c.req.path}`);
    return serve(c, deps, chosen.row, chosen.plan);
  });
}

/** The table's rows grouped by method and path, in table order. */
export function endpointsOf(routes: readonly RestRoute[]): RestRoute[][] {
  const endpoints = new Map<string, RestRoute[]>();
  for (const row of routes) {
    const key = `${row.method} ${row.path}`;
    endpoints.set(key, [...(endpoints.get(key) ?? []), row]);
  }
  return [...endpoints.values()];
}

export function registerRestRoutes(app: Hono<WorkerEnv>, deps: GatewayContext): void {
  const api = new Hono<WorkerEnv>();

  // Body size is bounded for every route by createWorker (BODY_LIMIT_BYTES, 64 KiB by default).

  // Writes that change stock or credit, and the admin routes, need the admin API key; checked
  // before the body is read, so a refused call changes nothing and learns nothing.
  const adminOnly = adminKey({ key: deps.adminApiKey });
  for (const area of adminAreas) {
    if (area.method === "ALL") api.use(area.path, adminOnly);
    else api.on(area.method, area.path, adminOnly);
  }

  for (const rows of endpointsOf(restRoutes)) serveEndpoint(api, deps, rows, adminOnly);

  api.all("/api/*", (c) => {
    throw new DomainError("NOT_FOUND", `no route ${c.req.method} ${c.req.path}`);
  });

  api.onError((error, c) => {
    const { status, body: answer, domainError, headers } = errorAnswer(error);
    if (status >= 500 && domainError.code !== "READ_MODEL_BEHIND")
      c.get("logger").error({ err: domainError, cause: domainError.cause, status }, `answered ${status}: ${domainError.message}`);
    return c.json(answer, status as ContentfulStatusCode, headers);
  });

  app.route("/", api);
}
