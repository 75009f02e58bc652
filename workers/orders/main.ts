/** Entry for `bun run workers/orders/main.ts`: config, DB, peer clients, bus, serve. */
import { runWorkerMain } from "../../shared/main";
import { createNatsConnection } from "../../shared/events/nats";
import { createPeerClient } from "../../shared/peer-client";
import type { UsersRouter } from "../users/router";
import type { CatalogRouter } from "../catalog/router";
import type { InventoryRouter } from "../inventory/router";
import type { PaymentsRouter } from "../payments/router";
import { ordersConfigSchema, type FaultStep } from "./config";
import * as schema from "./schema";
import { createOrdersWorker } from "./worker";

await runWorkerMain({
  worker: "orders",
  configSchema: ordersConfigSchema,
  schema,
  create: ({ config, db, logger }) => {
    const peer = { self: "orders", timeoutMs: config.PEER_TIMEOUT_MS };
    const crashAfter = config.ORDERS_FAULT?.slice("crash_after:".length) as FaultStep | undefined;
    if (crashAfter) logger.warn({ fault: config.ORDERS_FAULT }, "fault injection on: orders will SIGKILL itself mid-saga");
    return createOrdersWorker({
      db,
      logger,
      now: () => new Date(),
      peers: {
        users: createPeerClient<UsersRouter>({ ...peer, peer: "users", url: config.USERS_URL }).client,
        catalog: createPeerClient<CatalogRouter>({ ...peer, peer: "catalog", url: config.CATALOG_URL }).client,
        inventory: createPeerClient<InventoryRouter>({ ...peer, peer: "inventory", url: config.INVENTORY_URL }).client,
        payments: createPeerClient<PaymentsRouter>({ ...peer, peer: "payments", url: config.PAYMENTS_URL }).client,
      },
      orderWaitMs: config.ORDER_WAIT_MS,
      saga: {
        deadlineMs: config.SAGA_DEADLINE_MS,
        retryBaseMs: config.SAGA_RETRY_BASE_MS,
        retryMaxMs: config.SAGA_RETRY_MAX_MS,
        attentionAfter: config.SAGA_ATTENTION_AFTER,
        sweepIntervalMs: config.SAGA_SWEEP_MS,
      },
      // Kill -9 ourselves right after the step's result is persisted: what a crash looks like.
      nats: createNatsConnection({ url: config.NATS_URL, name: "orders", logger }),
      afterStep: crashAfter ? (step) => void (step === crashAfter && process.kill(process.pid, "SIGKILL")) : undefined,
    });
  },
});
