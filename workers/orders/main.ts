/** Entry for `bun run workers/orders/main.ts`: config, DB, peer clients, bus, serve. */
import { runWorkerMain } from "../../shared/main";
import { createPeerClient } from "../../shared/peer-client";
import type { UsersRouter } from "../users/router";
import type { CatalogRouter } from "../catalog/router";
import type { InventoryRouter } from "../inventory/router";
import type { PaymentsRouter } from "../payments/router";
import { ordersConfigSchema } from "./config";
import * as schema from "./schema";
import { createOrdersWorker } from "./worker";

await runWorkerMain({
  worker: "orders",
  configSchema: ordersConfigSchema,
  schema,
  create: ({ base, config, db, identity, nats }) => {
    // Each call carries a token for the peer it goes to (issuer orders, audience the peer).
    const peer = (name: string, url: string) => ({ self: "orders", peer: name, url, timeoutMs: config.PEER_TIMEOUT_MS, headers: identity?.headersFor(name) });
    return createOrdersWorker({
      ...base,
      db,
      now: () => new Date(),
      peers: {
        users: createPeerClient<UsersRouter>(peer("users", config.USERS_URL)).client,
        catalog: createPeerClient<CatalogRouter>(peer("catalog", config.CATALOG_URL)).client,
        inventory: createPeerClient<InventoryRouter>(peer("inventory", config.INVENTORY_URL)).client,
        payments: createPeerClient<PaymentsRouter>(peer("payments", config.PAYMENTS_URL)).client,
      },
      orderWaitMs: config.ORDER_WAIT_MS,
      saga: {
        deadlineMs: config.SAGA_DEADLINE_MS,
        retryBaseMs: config.SAGA_RETRY_BASE_MS,
        retryMaxMs: config.SAGA_RETRY_MAX_MS,
        attentionAfter: config.SAGA_ATTENTION_AFTER,
        sweepIntervalMs: config.SAGA_SWEEP_MS,
      },
      cancelStuckAfterMs: config.CANCEL_STUCK_AFTER_MS,
      maxDeliver: config.CONSUMER_MAX_DELIVER,
      nats: nats(),
    });
  },
});
