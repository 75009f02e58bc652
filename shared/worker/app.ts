/**
 * A worker's HTTP edge, the Hono app createWorker (worker.ts) serves: correlation ID, a span per
 * request (telemetry/http.ts), the body limit, `/metrics`, `/health/live` + `/health/ready`, the
 * tRPC router under `/trpc` with each call's service identity checked, and JSON 404s.
 */
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { trpcServer } from "@hono/trpc-server";
import type { AnyRouter } from "@trpc/server";
import { bodyLimit } from "hono/body-limit";
import type { Logger } from "../core/logger";
import type { MeshAuth, MeshContext } from "../rpc/trpc";
import { bearerTokenOf, createAdminKeyCheck, IdentityError, type ServiceIdentity } from "../rpc/identity";
import { callerHeader } from "../core/request-scope";
import { singleCallRoute } from "../rpc/trpc-route";
import { correlationId, type CorrelationIdEnv } from "../middleware/correlation-id";
import { jsonBodyOnly } from "../middleware/json-body";
import { httpServerTelemetry } from "../../telemetry/http";
import { processMetricsText, prometheusContentType } from "../../telemetry/metrics-endpoint";

export type WorkerEnv = CorrelationIdEnv;

/** Facts for `/health/ready`, from a loop or added from outside (main.ts adds the last backup's outcome). */
export type HealthFacts = () => Record<string, unknown> | Promise<Record<string, unknown>>;

/** Default request body limit of a worker. */
export const defaultBodyLimitBytes = 1024 * 1024;

export interface WorkerAppOptions {
  name: string;
  router: AnyRouter;
  /** What procedures see as `ctx.deps`. */
  context: unknown;
  logger: Logger;
  /** Verifies the service token of each tRPC call (shared/rpc/identity.ts); null: identity checks off. */
  identity: ServiceIdentity | null;
  /** Largest request body accepted, in bytes (default 1 MiB); larger → 413 before any handler. */
  bodyLimitBytes?: number;
  /** Requests whose bearer token equals this key get `ctx.admin = true`; none: never. */
  adminApiKey?: string | null;
  /** `ctx.checkOutputs` of every call: results checked against their output schemas. */
  checkOutputs: boolean;
  routes?: (app: Hono<WorkerEnv>) => void;
  edge?: MiddlewareHandler<WorkerEnv>[];
  metricsText?: () => Promise<string>;
  isReady: () => boolean;
  health: HealthFacts[];
}

export function createWorkerApp(options: WorkerAppOptions): Hono<WorkerEnv> {
  const { logger } = options;
  const app = new Hono<WorkerEnv>();
  app.use("*", correlationId({ logger }));
  app.use("*", httpServerTelemetry({ logger }));
  const maxBytes = options.bodyLimitBytes ?? defaultBodyLimitBytes;
  app.use(
    "*",
    bodyLimit({
      maxSize: maxBytes,
      onError: (c) => c.json({ error: { code: "PAYLOAD_TOO_LARGE", message: `request body is larger than ${maxBytes} bytes`, correlationId: c.get("correlationId") } }, 413),
    }),
  );
  for (const middleware of options.edge ?? []) app.use("*", middleware);
  app.use("*", jsonBodyOnly());
  addOperationalRoutes(app, options);
  addTrpcRoutes(app, options);
  options.routes?.(app);
  // Every answer of a worker is JSON, a wrong path too (Hono's default is a plain-text 404).
  app.notFound((c) => c.json({ error: { code: "NOT_FOUND", message: `no route ${c.req.method} ${c.req.path}` } }, 404));
  return app;
}

/** `/metrics` and the two health routes. */
function addOperationalRoutes(app: Hono<WorkerEnv>, options: WorkerAppOptions): void {
  const { name, isReady, health } = options;
  app.get("/metrics", async (c) => {
    const render = options.metricsText ?? processMetricsText();
    if (!render) return c.json({ error: { message: "metrics are not enabled in this process (telemetry not started)" } }, 404);
    return c.body(await render(), 200, { "content-type": prometheusContentType });
  });
  app.get("/health/live", (c) => c.json({ worker: name, live: true }));
  app.get("/health/ready", async (c) => {
    const ready = isReady();
    const checks: Record<string, unknown> = {};
    for (const facts of health) mergeHealth(checks, await facts());
    return c.json({ worker: name, ready, ...checks }, ready ? 200 : 503);
  });
}

/** The router under `/trpc`: single calls take the cheaper route (shared/rpc/trpc-route.ts); batches and the rest the adapter. */
function addTrpcRoutes(app: Hono<WorkerEnv>, options: WorkerAppOptions): void {
  const { router, logger } = options;
  const authOf = authCheck(options.identity);
  const isAdmin = createAdminKeyCheck(options.adminApiKey);
  const createContext = async (c: Context<WorkerEnv>): Promise<MeshContext> => ({
    correlationId: c.get("correlationId"),
    caller: c.req.header(callerHeader) ?? null,
    logger: c.get("logger"),
    deps: options.context,
    auth: await authOf(c),
    admin: isAdmin(c.req.header("authorization")),
    checkOutputs: options.checkOutputs,
  });
  const onError = ({ error, path }: { error: { code: string }; path?: string | undefined }) => {
    if (error.code === "INTERNAL_SERVER_ERROR") logger.error({ err: error, path }, "procedure failed");
  };
  const fallback = trpcServer({
    router,
    endpoint: "/trpc",
    createContext: async (_opts, c: Context<WorkerEnv>) => (await createContext(c)) as unknown as Record<string, unknown>,
    onError,
  });
  app.use("/trpc/*", singleCallRoute<WorkerEnv>({ router, endpoint: "/trpc", createContext, onError, fallback }));
}

/** What a request's service token proves; without an identity, checks are off. */
function authCheck(identity: ServiceIdentity | null): (c: Context<WorkerEnv>) => Promise<MeshAuth> {
  return async (c) => {
    if (!identity) return { status: "off" };
    try {
      return { status: "verified", caller: (await identity.verify(bearerTokenOf(c.req.header("authorization")))).caller };
    } catch (error) {
      if (!(error instanceof IdentityError)) throw error;
      return { status: "rejected", reason: error.reason, claimedCaller: c.req.header(callerHeader) ?? null };
    }
  };
}

/** Merges one level deep, so several consumers each add their entry under `consumers`. */
function mergeHealth(into: Record<string, unknown>, facts: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(facts)) {
    const existing = into[key];
    const bothObjects = [existing, value].every((v) => typeof v === "object" && v !== null && !Array.isArray(v));
    into[key] = bothObjects ? { ...(existing as object), ...(value as object) } : value;
  }
}
