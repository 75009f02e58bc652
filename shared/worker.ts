/**
 * The shape every worker has: a Hono app serving its tRPC router under `/trpc`,
 * `/health/live` + `/health/ready` and `/metrics` (Prometheus text), with a span per request
 * (telemetry/http.ts), and `start()`/`stop()` for its background loops (outbox
 * relay, consumers). A worker's `worker.ts` calls `createWorker` with its router and deps.
 *
 * @example
 *   export function createUsersWorker(deps: UsersDeps) {
 *     return createWorker({ name: "users", router: usersRouter, deps, logger: deps.logger });
 *   }
 */
import { Hono, type Context } from "hono";
import { trpcServer } from "@hono/trpc-server";
import type { AnyRouter } from "@trpc/server";
import type { Logger } from "./logger";
import { bodyLimit } from "hono/body-limit";
import type { MeshAuth, MeshContext } from "./trpc";
import { bearerTokenOf, createAdminKeyCheck, IdentityError, type ServiceIdentity } from "./identity";
import { acceptCorrelationId, callerHeader, correlationHeader, runInRequestScope } from "./request-scope";
import { singleCallRoute } from "./trpc-route";
import { httpServerTelemetry } from "../telemetry/http";
import { processMetricsText, prometheusContentType } from "../telemetry/metrics-endpoint";

/** A background part of a worker (relay, consumer, sweeper) started after the DB is ready. */
export interface WorkerLoop {
  name: string;
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
  /** Extra facts for `/health/ready` (e.g. the outbox backlog). */
  health?(): Record<string, unknown> | Promise<Record<string, unknown>>;
}

export interface Worker<TRouter extends AnyRouter = AnyRouter> {
  name: string;
  app: Hono<WorkerEnv>;
  router: TRouter;
  start(): Promise<void>;
  stop(): Promise<void>;
  isReady(): boolean;
  /** Whether internal procedures verify service tokens (false only without an identity). */
  identityChecks: boolean;
  /** Adds facts to `/health/ready` from outside the worker (main.ts adds the last backup's outcome). */
  addHealth(facts: () => Record<string, unknown> | Promise<Record<string, unknown>>): void;
}

export type WorkerEnv = { Variables: { correlationId: string; logger: Logger } };

export interface CreateWorkerOptions<TRouter extends AnyRouter, Deps> {
  name: string;
  router: TRouter;
  deps: Deps;
  logger: Logger;
  loops?: WorkerLoop[];
  /** Adds routes beside `/trpc` (the gateway's REST API lives here). */
  routes?: (app: Hono<WorkerEnv>) => void;
  /** Renders `/metrics`; defaults to the process's telemetry (startTelemetry). None: `/metrics` is 404. */
  metricsText?: () => Promise<string>;
  /** Verifies the service token of each tRPC call (shared/identity.ts); none: identity checks off. */
  identity?: ServiceIdentity | null;
  /** Largest request body accepted, in bytes (default 1 MiB); larger → 413 before any handler. */
  bodyLimitBytes?: number;
  /** Requests whose bearer token equals this key get `ctx.admin = true`; none: never. */
  adminApiKey?: string | null;
}

/** What main.ts hands every worker for its edge (deps extend it): service identity and body limit. */
export interface WorkerSecurity {
  identity?: ServiceIdentity | null;
  bodyLimitBytes?: number;
  /** The admin API key: requests bearing it get `ctx.admin` (the gateway's admin procedures). */
  adminApiKey?: string | null;
}

/** Default request body limit of a worker. */
export const defaultBodyLimitBytes = 1024 * 1024;

export function createWorker<TRouter extends AnyRouter, Deps>(options: CreateWorkerOptions<TRouter, Deps>): Worker<TRouter> {
  const { name, router, deps, logger } = options;
  const loops = options.loops ?? [];
  const extraHealth: (() => Record<string, unknown> | Promise<Record<string, unknown>>)[] = [];
  let ready = false;

  const app = new Hono<WorkerEnv>();

  // Every request runs in a scope carrying its correlation ID, echoed on every answer.
  app.use("*", async (c, next) => {
    const correlationId = acceptCorrelationId(c.req.header(correlationHeader));
    c.set("correlationId", correlationId);
    // Log lines get the correlation ID from the request scope (the logger's mixin), not a binding.
    c.set("logger", logger);
    c.header(correlationHeader, correlationId);
    await runInRequestScope({ correlationId }, next);
    c.header(correlationHeader, correlationId);
  });

  app.use("*", httpServerTelemetry({ logger }));

  const maxBytes = options.bodyLimitBytes ?? defaultBodyLimitBytes;
  app.use(
    "*",
    bodyLimit({
      maxSize: maxBytes,
      onError: (c) =>
        c.json({ error: { code: "PAYLOAD_TOO_LARGE", message: `request body is larger than ${maxBytes} bytes`, correlationId: c.get("correlationId") } }, 413),
    }),
  );

  const identity = options.identity ?? null;
  const isAdmin = createAdminKeyCheck(options.adminApiKey);
  const authOf = async (c: Context<WorkerEnv>): Promise<MeshAuth> => {
    if (!identity) return { status: "off" };
    try {
      return { status: "verified", caller: (await identity.verify(bearerTokenOf(c.req.header("authorization")))).caller };
    } catch (error) {
      if (!(error instanceof IdentityError)) throw error;
      return { status: "rejected", reason: error.reason, claimedCaller: c.req.header(callerHeader) ?? null };
    }
  };

  app.get("/metrics", async (c) => {
    const render = options.metricsText ?? processMetricsText();
    if (!render) return c.json({ error: { message: "metrics are not enabled in this process (telemetry not started)" } }, 404);
    return c.body(await render(), 200, { "content-type": prometheusContentType });
  });

  app.get("/health/live", (c) => c.json({ worker: name, live: true }));
  app.get("/health/ready", async (c) => {
    const checks: Record<string, unknown> = {};
    for (const loop of loops) if (loop.health) mergeHealth(checks, await loop.health());
    for (const facts of extraHealth) mergeHealth(checks, await facts());
    return c.json({ worker: name, ready, ...checks }, ready ? 200 : 503);
  });

  const createContext = async (c: Context<WorkerEnv>): Promise<MeshContext> => ({
    correlationId: c.get("correlationId"),
    caller: c.req.header(callerHeader) ?? null,
    logger: c.get("logger"),
    deps,
    auth: await authOf(c),
    admin: isAdmin(c.req.header("authorization")),
  });
  const onError = ({ error, path }: { error: { code: string }; path?: string | undefined }) => {
    if (error.code === "INTERNAL_SERVER_ERROR") logger.error({ err: error, path }, "procedure failed");
  };
  // Single calls take the cheaper route (shared/trpc-route.ts); batches and the rest the adapter.
  app.use(
    "/trpc/*",
    singleCallRoute<WorkerEnv>({
      router,
      endpoint: "/trpc",
      createContext,
      onError,
      fallback: trpcServer({
        router,
        endpoint: "/trpc",
        createContext: async (_opts, c: Context<WorkerEnv>) => (await createContext(c)) as unknown as Record<string, unknown>,
        onError,
      }),
    }),
  );

  options.routes?.(app);

  // Every answer of a worker is JSON, a wrong path too (Hono's default is a plain-text 404).
  app.notFound((c) => c.json({ error: { code: "NOT_FOUND", message: `no route ${c.req.method} ${c.req.path}` } }, 404));

  return {
    name,
    app,
    router,
    isReady: () => ready,
    identityChecks: identity !== null,
    addHealth: (facts) => void extraHealth.push(facts),
    async start() {
      for (const loop of loops) await loop.start();
      ready = true;
    },
    async stop() {
      ready = false;
      for (const loop of [...loops].reverse()) await loop.stop();
    },
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
