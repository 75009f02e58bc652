/** What orders is built from (main.ts or a test passes it in), and what its procedures see: a leaf, importing nothing of the worker but its store's types. */
import type { TRPCClient } from "@trpc/client";
import type { WorkerBaseDeps, WorkerLoop } from "../../shared/worker/worker";
import type { UsersRouter } from "../users/router";
import type { CatalogRouter } from "../catalog/router";
import type { InventoryRouter } from "../inventory/router";
import type { PaymentsRouter } from "../payments/router";
import type { Order, OrdersDb, OrdersStore } from "./store";

export type { OrdersDb, OrdersStore };

export interface SagaSettings {
  /** Time since placing within which a saga still before payment retries an unavailable peer, or is resumed if orphaned; past it, compensated. */
  deadlineMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Failed attempts after which a retried saga is marked NEEDS_ATTENTION. */
  attentionAfter: number;
  /** The least time between two sweeps for sagas due another attempt. */
  sweepIntervalMs: number;
  /** The most, with nothing due (each attempt scheduled wakes the sweeper for its time); default 10 s. */
  sweepIdleMs?: number;
  /** Finished (DONE) sagas and their step logs are kept this long after they ended (SAGA_RETENTION); unfinished and NEEDS_ATTENTION ones always. Default 30 days. */
  retentionMs?: number;
}

export interface SagaEngine {
  /** Runs the order's saga until it ends or waits for a retry; one run per order at a time. `order`: the order just placed, not read again. */
  run(orderId: string, options?: { resumed?: boolean; order?: Order }): Promise<void>;
  /** Resolves true once the order is CONFIRMED or REJECTED, false after `timeoutMs`. */
  waitForEnd(orderId: string, timeoutMs: number): Promise<boolean>;
  /** Resumes unfinished sagas on start, then retries those that are due. */
  sweeper: WorkerLoop;
}

/** Typed clients to the four peers (built in main.ts with createPeerClient, or by a test). */
export interface OrdersPeers {
  users: TRPCClient<UsersRouter>;
  catalog: TRPCClient<CatalogRouter>;
  inventory: TRPCClient<InventoryRouter>;
  payments: TRPCClient<PaymentsRouter>;
}

export interface OrdersDeps extends WorkerBaseDeps {
  db: OrdersDb;
  now: () => Date;
  peers: OrdersPeers;
  /** How long `place` waits for the saga to end before answering `completed: false`. */
  orderWaitMs: number;
  saga: SagaSettings;
  /** A cancellation still CANCELLING this long after it was asked shows as CANCEL_STUCK (default 60 s). */
  cancelStuckAfterMs?: number;
  /** Deliveries of an event that cannot be applied before it goes to the dead letters (default 5). */
  maxDeliver?: number;
}

/** What procedures see: the deps plus the store's prepared statements and the saga engine the worker runs. */
export interface OrdersContext extends OrdersDeps {
  store: OrdersStore;
  sagas: SagaEngine;
}
