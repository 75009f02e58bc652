/**
 * The orders bench's baseline: the seven workers built in ONE Bun process by their own factories,
 * each as its main.ts builds it (its config schema's defaults, its own SQLite file under DATA_DIR
 * with the same pragmas and migrations, its own NATS connection, relay and consumers, a service
 * identity checking every call), but with each peer call handed to the callee's `app.fetch` (the
 * peer client's `fetch` option): no sockets, no HTTP parsing, no second event loop. What the mesh
 * costs beyond this is the cost of distribution. Telemetry is the caller's (one SDK, no exporter).
 */
import type { z } from "zod";
import { parseConfig, type WorkerConfig } from "../../shared/core/config";
import { openWorkerDatabase, type WorkerDatabase } from "../../shared/db/db";
import { createNatsConnection, type NatsConnectionLoop } from "../../shared/events/nats";
import { createServiceIdentity, type ServiceIdentity } from "../../shared/rpc/identity";
import { createLogger, type Logger } from "../../shared/core/logger";
import { createConsistencyTokens } from "../../shared/events/consistency-token";
import { createPeerClient, type PeerClient } from "../../shared/rpc/peer-client";
import type { AnyRouter } from "@trpc/server";
import type { Worker, WorkerBaseDeps } from "../../shared/worker/worker";
import { usersConfigSchema } from "../../workers/users/config";
import { catalogConfigSchema } from "../../workers/catalog/config";
import { inventoryConfigSchema } from "../../workers/inventory/config";
import { paymentsConfigSchema } from "../../workers/payments/config";
import { reportingConfigSchema } from "../../workers/reporting/config";
import { ordersConfigSchema, sagaSettingsOf } from "../../workers/orders/config";
import { gatewayConfigSchema } from "../../workers/gateway/config";
import * as usersSchema from "../../workers/users/schema";
import * as catalogSchema from "../../workers/catalog/schema";
import * as inventorySchema from "../../workers/inventory/schema";
import * as paymentsSchema from "../../workers/payments/schema";
import * as reportingSchema from "../../workers/reporting/schema";
import * as ordersSchema from "../../workers/orders/schema";
import { createUsersWorker } from "../../workers/users/worker";
import { createCatalogWorker } from "../../workers/catalog/worker";
import { createInventoryWorker } from "../../workers/inventory/worker";
import { createPaymentsWorker } from "../../workers/payments/worker";
import { createReportingWorker } from "../../workers/reporting/worker";
import { createOrdersWorker } from "../../workers/orders/worker";
import { createGatewayWorker } from "../../workers/gateway/worker";
import type { UsersRouter } from "../../workers/users/router";
import type { CatalogRouter } from "../../workers/catalog/router";
import type { InventoryRouter } from "../../workers/inventory/router";
import type { PaymentsRouter } from "../../workers/payments/router";
import type { OrdersRouter } from "../../workers/orders/router";
import type { ReportingRouter } from "../../workers/reporting/router";

export interface OneProcessOptions {
  dataDir: string;
  natsUrl: string;
  /** The mesh secret: every worker signs its calls and checks the calls to it, as in the mesh. */
  secret: string;
  adminApiKey: string;
}

export interface OneProcessMesh {
  /** The gateway's `app.fetch`: where the bench sends its orders. */
  fetch(request: Request): Response | Promise<Response>;
  stop(): Promise<void>;
}

const peerNames = ["users", "catalog", "inventory", "payments", "orders", "reporting"] as const;

/** Every worker's settings from the same variables the launcher gives it; peers get placeholder URLs (calls never leave the process). */
function envOf(options: OneProcessOptions): Record<string, string> {
  const urls = Object.fromEntries(peerNames.map((peer) => [`${peer.toUpperCase()}_URL`, `http://${peer}.in-process`]));
  return { DATA_DIR: options.dataDir, NATS_URL: options.natsUrl, LOG_LEVEL: "warn", MESH_TOKEN_SECRET: options.secret, ADMIN_API_KEY: options.adminApiKey, ...urls };
}

interface Kit<Config> {
  config: Config;
  logger: Logger;
  identity: ServiceIdentity;
  base: WorkerBaseDeps;
}

/** What runWorkerMain gives a worker's `create`, without serving it. */
function kitOf<S extends z.ZodType<WorkerConfig>>(name: string, schema: S, options: OneProcessOptions, database: WorkerDatabase<any> | null): Kit<z.output<S>> {
  const config = parseConfig(schema, envOf(options));
  const logger = createLogger({ worker: name, level: config.LOG_LEVEL });
  const identity = createServiceIdentity({ self: name, secret: options.secret });
  const consistency = createConsistencyTokens(options.secret);
  const base: WorkerBaseDeps = {
    logger,
    identity,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    consistency,
    readWaitMs: config.READ_WAIT_MS,
    ...(database ? { outboxSignal: database.outboxSignal } : {}),
  };
  return { config, logger, identity, base };
}

export async function buildOneProcessMesh(options: OneProcessOptions): Promise<OneProcessMesh> {
  const workers = new Map<string, Worker>();
  const databases: WorkerDatabase<any>[] = [];
  const open = async <T extends Record<string, unknown>>(worker: string, schema: T, synchronous: "NORMAL" | "FULL") => {
    const database = await openWorkerDatabase({ worker, dataDir: options.dataDir, schema, synchronous });
    databases.push(database);
    return database;
  };
  /** A peer client whose calls go to the callee's app.fetch (looked up per call, so build order does not matter). */
  const peerClient = <R extends AnyRouter>(self: Kit<{ PEER_TIMEOUT_MS: number }>, from: string, to: string) =>
    createPeerClient<R>({
      self: from,
      peer: to,
      url: `http://${to}.in-process`,
      timeoutMs: self.config.PEER_TIMEOUT_MS,
      headers: self.identity.headersFor(to),
      fetch: (input, init) => workers.get(to)!.app.fetch(new Request(input, init)),
    });
  const nats = (name: string, logger: Logger) => createNatsConnection({ url: options.natsUrl, name, logger });

  for (const build of [buildLeaves, buildOrders, buildGateway]) for (const worker of await build({ options, open, peerClient, nats })) workers.set(worker.name, worker);
  for (const worker of workers.values()) await worker.start();
  return {
    fetch: (request) => workers.get("gateway")!.app.fetch(request),
    async stop() {
      for (const worker of [...workers.values()].reverse()) await worker.stop();
      for (const database of databases) database.close();
    },
  };
}

interface Builders {
  options: OneProcessOptions;
  open<T extends Record<string, unknown>>(worker: string, schema: T, synchronous: "NORMAL" | "FULL"): Promise<WorkerDatabase<T>>;
  peerClient<R extends AnyRouter>(self: Kit<{ PEER_TIMEOUT_MS: number }>, from: string, to: string): PeerClient<R>;
  nats(name: string, logger: Logger): NatsConnectionLoop;
}

/** users, catalog, inventory, payments, reporting: each as its main.ts builds it. */
async function buildLeaves(b: Builders): Promise<Worker[]> {
  const now = () => new Date();
  const leaf = async <S extends z.ZodType<WorkerConfig & { SQLITE_SYNCHRONOUS: "NORMAL" | "FULL" }>, T extends Record<string, unknown>>(name: string, configSchema: S, schema: T) => {
    const settings = parseConfig(configSchema, envOf(b.options));
    const database = await b.open(name, schema, settings.SQLITE_SYNCHRONOUS);
    const kit = kitOf(name, configSchema, b.options, database);
    return { ...kit, db: database.db, nats: b.nats(name, kit.logger) };
  };
  const users = await leaf("users", usersConfigSchema, usersSchema);
  const catalog = await leaf("catalog", catalogConfigSchema, catalogSchema);
  const inventory = await leaf("inventory", inventoryConfigSchema, inventorySchema);
  const payments = await leaf("payments", paymentsConfigSchema, paymentsSchema);
  const reporting = await leaf("reporting", reportingConfigSchema, reportingSchema);
  return [
    createUsersWorker({ ...users.base, db: users.db, now, nats: users.nats }),
    createCatalogWorker({ ...catalog.base, db: catalog.db, now, nats: catalog.nats }),
    createInventoryWorker({ ...inventory.base, db: inventory.db, now, nats: inventory.nats, maxDeliver: inventory.config.CONSUMER_MAX_DELIVER }),
    createPaymentsWorker({ ...payments.base, db: payments.db, now, nats: payments.nats, maxDeliver: payments.config.CONSUMER_MAX_DELIVER }),
    createReportingWorker({ ...reporting.base, db: reporting.db, now, nats: reporting.nats, maxDeliver: reporting.config.CONSUMER_MAX_DELIVER }),
  ];
}

/** orders, with its four peer clients and its saga settings, as workers/orders/main.ts builds it. */
async function buildOrders(b: Builders): Promise<Worker[]> {
  const settings = parseConfig(ordersConfigSchema, envOf(b.options));
  const database = await b.open("orders", ordersSchema, settings.SQLITE_SYNCHRONOUS);
  const kit = kitOf("orders", ordersConfigSchema, b.options, database);
  const { config } = kit;
  const worker = createOrdersWorker({
    ...kit.base,
    db: database.db,
    now: () => new Date(),
    peers: {
      users: b.peerClient<UsersRouter>(kit, "orders", "users").client,
      catalog: b.peerClient<CatalogRouter>(kit, "orders", "catalog").client,
      inventory: b.peerClient<InventoryRouter>(kit, "orders", "inventory").client,
      payments: b.peerClient<PaymentsRouter>(kit, "orders", "payments").client,
    },
    orderWaitMs: config.ORDER_WAIT_MS,
    saga: sagaSettingsOf(config),
    cancelStuckAfterMs: config.CANCEL_STUCK_AFTER_MS,
    maxDeliver: config.CONSUMER_MAX_DELIVER,
    nats: b.nats("orders", kit.logger),
  });
  return [worker];
}

/** The gateway, with its six peer clients, as workers/gateway/main.ts builds it (no DB, no bus). */
async function buildGateway(b: Builders): Promise<Worker[]> {
  const kit = kitOf("gateway", gatewayConfigSchema, b.options, null);
  const { config } = kit;
  const clients = {
    users: b.peerClient<UsersRouter>(kit, "gateway", "users"),
    catalog: b.peerClient<CatalogRouter>(kit, "gateway", "catalog"),
    inventory: b.peerClient<InventoryRouter>(kit, "gateway", "inventory"),
    payments: b.peerClient<PaymentsRouter>(kit, "gateway", "payments"),
    orders: b.peerClient<OrdersRouter>(kit, "gateway", "orders"),
    reporting: b.peerClient<ReportingRouter>(kit, "gateway", "reporting"),
  };
  const worker = createGatewayWorker({
    ...kit.base,
    adminApiKey: b.options.adminApiKey,
    peers: {
      users: clients.users.client,
      catalog: clients.catalog.client,
      inventory: clients.inventory.client,
      payments: clients.payments.client,
      orders: clients.orders.client,
      reporting: clients.reporting.client,
    },
    breakers: () => Object.fromEntries(Object.values(clients).map((client) => [client.peer, client.breakerState()])),
    healthTargets: [],
    healthProbeTimeoutMs: config.HEALTH_PROBE_TIMEOUT_MS,
    orderPlaceTimeoutMs: config.ORDER_PLACE_TIMEOUT_MS,
    readModelTimeoutMs: config.PEER_TIMEOUT_MS + config.READ_WAIT_MS,
    corsOrigins: config.CORS_ORIGINS,
    jaegerUiUrl: null,
  });
  return [worker];
}
