/** Entry for `bun run workers/orders/main.ts`: config, DB, peer clients, bus, serve. */
import { runWorkerMain } from "../../shared/worker/main";
import type { PeerSetting } from "../../shared/core/config";
import { breakerStates, reportBreakers } from "../../shared/worker/breakers";
import { createPeerClient } from "../../shared/rpc/peer-client";
import type { UsersRouter } from "../users/router";
import type { CatalogRouter } from "../catalog/router";
import type { InventoryRouter } from "../inventory/router";
import type { PaymentsRouter } from "../payments/router";
import { ordersConfigSchema, sagaSettingsOf } from "./config";
import * as schema from "./schema";
import { createOrdersWorker } from "./worker";

await runWorkerMain({
  worker: "orders",
  configSchema: ordersConfigSchema,
  schema,
  create: ({ base, config, db, identity, nats, peerLocation }) => {
    // Each call carries a token for the peer it goes to (issuer orders, audience the peer); the peer is where its URL pins it or NATS finds it.
    const peer = (name: string, setting: PeerSetting) => ({
      self: "orders",
      peer: name,
      ...peerLocation(name, setting),
      timeoutMs: config.PEER_TIMEOUT_MS,
      headers: identity?.headersFor(name),
    });
    const clients = {
      users: createPeerClient<UsersRouter>(peer("users", config.USERS_URL)),
      catalog: createPeerClient<CatalogRouter>(peer("catalog", config.CATALOG_URL)),
      inventory: createPeerClient<InventoryRouter>(peer("inventory", config.INVENTORY_URL)),
      payments: createPeerClient<PaymentsRouter>(peer("payments", config.PAYMENTS_URL)),
    };
    const worker = createOrdersWorker({
      ...base,
      db,
      now: () => new Date(),
      peers: { users: clients.users.client, catalog: clients.catalog.client, inventory: clients.inventory.client, payments: clients.payments.client },
      orderWaitMs: config.ORDER_WAIT_MS,
      saga: sagaSettingsOf(config),
      cancelStuckAfterMs: config.CANCEL_STUCK_AFTER_MS,
      maxDeliver: config.CONSUMER_MAX_DELIVER,
      nats: nats(),
    });
    // Its breakers per peer on /health/ready, so the gateway's /mesh dashboard shows them.
    return reportBreakers(worker, breakerStates(Object.values(clients)));
  },
});
