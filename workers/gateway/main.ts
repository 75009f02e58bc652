/** Entry for `bun run workers/gateway/main.ts`: config, peer clients, serve. The gateway has no DB. */
import { runWorkerMain } from "../../shared/main";
import { createPeerClient } from "../../shared/peer-client";
import type { UsersRouter } from "../users/router";
import type { CatalogRouter } from "../catalog/router";
import type { InventoryRouter } from "../inventory/router";
import type { PaymentsRouter } from "../payments/router";
import type { OrdersRouter } from "../orders/router";
import type { ReportingRouter } from "../reporting/router";
import { gatewayConfigSchema } from "./config";
import { createGatewayWorker } from "./worker";

await runWorkerMain({
  worker: "gateway",
  configSchema: gatewayConfigSchema,
  schema: null,
  create: ({ config, logger }) => {
    const peer = { self: "gateway", timeoutMs: config.PEER_TIMEOUT_MS };
    const healthTargets = [
      { name: "users", url: config.USERS_URL },
      { name: "catalog", url: config.CATALOG_URL },
      { name: "inventory", url: config.INVENTORY_URL },
      { name: "payments", url: config.PAYMENTS_URL },
      { name: "orders", url: config.ORDERS_URL },
      { name: "reporting", url: config.REPORTING_URL },
    ];
    return createGatewayWorker({
      logger,
      peers: {
        users: createPeerClient<UsersRouter>({ ...peer, peer: "users", url: config.USERS_URL }).client,
        catalog: createPeerClient<CatalogRouter>({ ...peer, peer: "catalog", url: config.CATALOG_URL }).client,
        inventory: createPeerClient<InventoryRouter>({ ...peer, peer: "inventory", url: config.INVENTORY_URL }).client,
        payments: createPeerClient<PaymentsRouter>({ ...peer, peer: "payments", url: config.PAYMENTS_URL }).client,
        orders: createPeerClient<OrdersRouter>({ ...peer, peer: "orders", url: config.ORDERS_URL }).client,
        orderPlacement: createPeerClient<OrdersRouter>({ ...peer, peer: "orders", url: config.ORDERS_URL, timeoutMs: config.ORDER_PLACE_TIMEOUT_MS })
          .client,
        reporting: createPeerClient<ReportingRouter>({ ...peer, peer: "reporting", url: config.REPORTING_URL }).client,
      },
      healthTargets,
      healthProbeTimeoutMs: config.HEALTH_PROBE_TIMEOUT_MS,
    });
  },
});
