/** Entry for `bun run workers/gateway/main.ts`: config, peer clients, serve. The gateway has no DB. */
import { runWorkerMain } from "../../shared/worker/main";
import { readSecretFile } from "../../shared/core/secrets";
import { breakerStates, reportBreakers } from "../../shared/worker/breakers";
import { createPeerClient } from "../../shared/rpc/peer-client";
import { findServiceInstances } from "../../shared/rpc/service-registry";
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
  create: ({ base, config, logger, identity, peerLocation, nats }) => {
    const adminApiKey = config.ADMIN_API_KEY ?? (config.ADMIN_API_KEY_FILE ? readSecretFile(config.ADMIN_API_KEY_FILE, "ADMIN_API_KEY_FILE") : null);
    if (!adminApiKey) logger.warn("no ADMIN_API_KEY or ADMIN_API_KEY_FILE: the admin routes (stock, credit, /api/admin) answer 401 to everyone");
    // Each peer where its URL pins it or NATS finds it; each call carries a token for the peer it goes to (issuer gateway, audience the peer).
    const locations = {
      users: peerLocation("users", config.USERS_URL),
      catalog: peerLocation("catalog", config.CATALOG_URL),
      inventory: peerLocation("inventory", config.INVENTORY_URL),
      payments: peerLocation("payments", config.PAYMENTS_URL),
      orders: peerLocation("orders", config.ORDERS_URL),
      reporting: peerLocation("reporting", config.REPORTING_URL),
    };
    const to = (name: keyof typeof locations) => ({ self: "gateway", timeoutMs: config.PEER_TIMEOUT_MS, peer: name, ...locations[name], headers: identity?.headersFor(name) });
    // The health probes follow the peers too: `url` is read at each probe.
    const healthTargets = Object.entries(locations).map(([name, location]) => ({
      name,
      get url() {
        return location.resolveUrl();
      },
    }));
    const clients = {
      users: createPeerClient<UsersRouter>(to("users")),
      catalog: createPeerClient<CatalogRouter>(to("catalog")),
      inventory: createPeerClient<InventoryRouter>(to("inventory")),
      payments: createPeerClient<PaymentsRouter>(to("payments")),
      orders: createPeerClient<OrdersRouter>(to("orders")),
      reporting: createPeerClient<ReportingRouter>(to("reporting")),
    };
    const breakers = breakerStates(Object.values(clients));
    const worker = createGatewayWorker({
      ...base,
      adminApiKey,
      peers: {
        users: clients.users.client,
        catalog: clients.catalog.client,
        inventory: clients.inventory.client,
        payments: clients.payments.client,
        orders: clients.orders.client,
        reporting: clients.reporting.client,
      },
      breakers,
      healthTargets,
      findWorkers: async () => {
        const connection = nats().current();
        const instances = connection ? await findServiceInstances(connection, "", 500) : [];
        return instances.flatMap(({ name, metadata }) => (metadata.url ? [{ name, url: metadata.url }] : []));
      },
      healthProbeTimeoutMs: config.HEALTH_PROBE_TIMEOUT_MS,
      orderPlaceTimeoutMs: config.ORDER_PLACE_TIMEOUT_MS,
      // The owners wait up to their READ_WAIT_MS (the mesh's one setting) for a token's events; the call outlasts it.
      readModelTimeoutMs: config.PEER_TIMEOUT_MS + config.READ_WAIT_MS,
      corsOrigins: config.CORS_ORIGINS,
      jaegerUiUrl: config.JAEGER_UI_URL ?? null,
      telemetryUrl: config.TELEMETRY_URL ?? null,
    });
    return reportBreakers(worker, breakers);
  },
});
