/**
 * gateway: the only public entry of the mesh. It owns no data; it serves the REST API (rest.ts)
 * and the public tRPC router (router.ts) by calling the workers that own the data.
 */
import type { TRPCClient } from "@trpc/client";
import { createWorker } from "../../shared/worker";
import type { Logger } from "../../shared/logger";
import type { UsersRouter } from "../users/router";
import type { CatalogRouter } from "../catalog/router";
import type { InventoryRouter } from "../inventory/router";
import type { PaymentsRouter } from "../payments/router";
import type { OrdersRouter } from "../orders/router";
import { gatewayRouter } from "./router";
import { registerRestRoutes } from "./rest";

/** Typed clients to the peers (built in main.ts with createPeerClient, or by a test). */
export interface GatewayPeers {
  users: TRPCClient<UsersRouter>;
  catalog: TRPCClient<CatalogRouter>;
  inventory: TRPCClient<InventoryRouter>;
  payments: TRPCClient<PaymentsRouter>;
  /** orders for reads, with the common short deadline. */
  orders: TRPCClient<OrdersRouter>;
  /** orders for `place`, whose deadline outlasts orders' wait for the saga. */
  orderPlacement: TRPCClient<OrdersRouter>;
}

/**
 * Where a customer's stats come from (reporting's read model). Until reporting exists main.ts
 * passes null and the summary's `stats` is null without being counted as degraded.
 */
export interface CustomerStatsSource {
  customerStats(customerId: string): Promise<unknown>;
}

export interface GatewayDeps {
  logger: Logger;
  peers: GatewayPeers;
  reporting: CustomerStatsSource | null;
  /** Workers whose /health/ready GET /health composes. */
  healthTargets: { name: string; url: string }[];
  healthProbeTimeoutMs: number;
  /** For the health probes; tests pass their own. */
  fetch?: (url: string, init?: RequestInit) => Promise<Response>;
}

export function createGatewayWorker(deps: GatewayDeps) {
  return createWorker({
    name: "gateway",
    router: gatewayRouter,
    deps,
    logger: deps.logger,
    routes: (app) => registerRestRoutes(app, deps),
  });
}
