/** What the gateway is built from (main.ts or a test passes it in): a leaf, importing nothing of the worker. */
import type { TRPCClient } from "@trpc/client";
import type { WorkerBaseDeps } from "../../shared/worker/worker";
import type { ConsistencyTokens } from "../../shared/events/consistency-token";
import type { UsersRouter } from "../users/router";
import type { CatalogRouter } from "../catalog/router";
import type { InventoryRouter } from "../inventory/router";
import type { PaymentsRouter } from "../payments/router";
import type { OrdersRouter } from "../orders/router";
import type { ReportingRouter } from "../reporting/router";

/** Typed clients to the peers (built in main.ts with createPeerClient, or by a test). */
export interface GatewayPeers {
  users: TRPCClient<UsersRouter>;
  catalog: TRPCClient<CatalogRouter>;
  inventory: TRPCClient<InventoryRouter>;
  payments: TRPCClient<PaymentsRouter>;
  /** orders: reads with the common short deadline, `place` with `orderPlaceTimeoutMs`. */
  orders: TRPCClient<OrdersRouter>;
  /** reporting's read models: the reports, and the stats part of the customer summary. */
  reporting: TRPCClient<ReportingRouter>;
}

export interface GatewayDeps extends WorkerBaseDeps {
  peers: GatewayPeers;
  /** Workers whose /health/ready GET /health composes. */
  healthTargets: { name: string; url: string }[];
  /**
   * Every worker on the bus (their NATS services, any host), so the /mesh dashboard shows the ones
   * the gateway does not call too (a worker added with `mesh new`); none: only the peers.
   */
  findWorkers?: () => Promise<{ name: string; url: string }[]>;
  healthProbeTimeoutMs: number;
  /** Deadline of `place`: it must outlast orders' own wait for the saga (ORDER_WAIT_MS). */
  orderPlaceTimeoutMs: number;
  /** Deadline of a read of a read model that waits for a consistency token: past the owner's READ_WAIT_MS. Default 4000. */
  readModelTimeoutMs?: number;
  /** Browser origins allowed to call the API across origins (CORS); empty or none: CORS is off. */
  corsOrigins?: readonly string[];
  /** Each peer's circuit breaker state (closed, open, …), for the /mesh dashboard; none: not shown. */
  breakers?: () => Record<string, string>;
  /** Jaeger's UI: the /mesh dashboard links sagas' correlation IDs to its search; none: no links. */
  jaegerUiUrl?: string | null;
  /** The telemetry process's base URL: /mesh/traces and the charts read its store and series; none: those pages say so. */
  telemetryUrl?: string | null;
  /** For the health probes; tests pass their own. */
  fetch?: (url: string, init?: RequestInit) => Promise<Response>;
}

/** What the procedures and REST routes see: the deps with the consistency tokens resolved (createGatewayWorker). */
export interface GatewayContext extends GatewayDeps {
  consistency: ConsistencyTokens;
}
