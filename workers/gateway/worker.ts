/**
 * gateway: the only public entry of the mesh. It owns no data; it serves the REST API (rest.ts)
 * and the public tRPC router (router.ts) by calling the workers that own the data.
 */
import { cors } from "hono/cors";
import type { Hono } from "hono";
import { createWorker, type WorkerEnv } from "../../shared/worker/worker";
import { gatewayRouter } from "./router";
import { registerRestRoutes } from "./rest";
import { registerDocsRoutes } from "./docs";
import { registerDashboardRoutes } from "./dashboard";
import { consistencyTokenHeader, readModelLagHeader, readModelPositionHeader } from "../../shared/core/consistency-scope";
import { createConsistencyTokens } from "../../shared/events/consistency-token";
import type { GatewayContext, GatewayDeps } from "./deps";

export function createGatewayWorker(given: GatewayDeps) {
  // Resolved once, so the edge, the procedures and the REST routes sign with the same tokens.
  const deps: GatewayContext = { ...given, consistency: given.consistency ?? createConsistencyTokens(null) };
  return createWorker({ name: "gateway", router: gatewayRouter, deps, edge: corsPolicy(deps.corsOrigins ?? []), routes: (app) => registerGatewayRoutes(app, deps) });
}

/** The REST API, its documentation (/openapi.json, /docs) and the mesh dashboard (/mesh, admin key). */
function registerGatewayRoutes(app: Hono<WorkerEnv>, deps: GatewayContext): void {
  registerDocsRoutes(app);
  registerDashboardRoutes(app, deps);
  registerRestRoutes(app, deps);
}

/** Off unless origins are listed: a browser on another origin may then call the API and read the answers. */
function corsPolicy(origins: readonly string[]) {
  if (origins.length === 0) return [];
  return [
    cors({
      origin: [...origins],
      allowMethods: ["GET", "POST", "PUT", "PATCH"],
      allowHeaders: ["content-type", "authorization", "idempotency-key", "x-correlation-id", "trpc-accept", consistencyTokenHeader],
      exposeHeaders: ["x-correlation-id", "location", consistencyTokenHeader, readModelLagHeader, readModelPositionHeader, "retry-after"],
      maxAge: 600,
    }),
  ];
}
