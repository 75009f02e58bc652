/**
 * gateway: the only public entry of the mesh. It owns no data; it serves the REST API (rest.ts)
 * and the public tRPC router (router.ts) by calling the workers that own the data.
 */
import { createWorker } from "../../shared/worker";
import { gatewayRouter } from "./router";
import { registerRestRoutes } from "./rest";
import type { GatewayDeps } from "./deps";

export function createGatewayWorker(deps: GatewayDeps) {
  return createWorker({ name: "gateway", router: gatewayRouter, deps, routes: (app) => registerRestRoutes(app, deps) });
}
