// shared/worker/ — a worker put together: the factory from its description, its Hono app, and the
// `main` that parses config and starts it. The top of the runtime; a worker's main.ts calls it.
/**
 * The kit's one way to build a worker, from its description: what it has (its router, outbox,
 * inbox, event consumers, its own loops) and its deps. The edge (identity checks, body limit,
 * admin key) and the bus come from the deps (`WorkerBaseDeps`, which every worker's deps type
 * extends), so a worker cannot drop its identity on the way. With a bus the kit adds, in order,
 * the NATS connection, the outbox relay and the consumers, then the worker's own loops; loops stop
 * in reverse (the worker's own first, the connection last), so e.g. orders' sweeper lets running
 * sagas finish while the relay can still publish. The HTTP edge is worker-app.ts.
 *
 * @example
 *   export function createUsersWorker(deps: UsersDeps) {
 *     return createWorker({ name: "users", router: usersRouter, deps, outbox });
 *   }
 */
import type { Hono, MiddlewareHandler } from "hono";
import type { AnyRouter } from "@trpc/server";
import type { Logger } from "../core/logger";
import type { ServiceIdentity } from "../rpc/identity";
import type { WorkerDb } from "../db/db";
import type { WorkerLoop } from "../core/loop";
import { createWorkerApp, type HealthFacts, type WorkerEnv } from "./app";
import type { NatsConnectionLoop } from "../events/nats";
import type { OutboxSignal } from "../db/outbox-signal";
import type { ConsumerPositionsTable, InboxTable, OutboxTable } from "../events/tables";
import { createOutboxRelay } from "../events/relay";
import { createRetentionPruner, type RetentionRule } from "../events/prune";
import { defaultRetention, type Retention } from "../core/retention";
import type { IdempotencyKeysTable } from "../db/idempotency";
import { createEventConsumer, type EventConsumer, type EventHandler } from "../events/consumer";
import { createConsistencyTokens, type ConsistencyTokens } from "../events/consistency-token";
import { createReadModelGate, type ReadModelGate } from "../events/read-model";
import type { EventEnvelope } from "../events/envelope";
import type { Delivery } from "../events/inbox";

export type { WorkerLoop } from "../core/loop";
export { defaultBodyLimitBytes, type WorkerEnv } from "./app";

/** What every worker's deps carry (each worker's deps type extends it): main.ts hands it over whole. */
export interface WorkerBaseDeps {
  logger: Logger;
  /** Verifies the service token of each tRPC call; null: checks off. Required, so no caller can forget it. */
  identity: ServiceIdentity | null;
  /** Largest request body accepted, in bytes (default 1 MiB); larger → 413 before any handler. */
  bodyLimitBytes?: number;
  /** The admin API key: requests bearing it get `ctx.admin` (the gateway's admin procedures). */
  adminApiKey?: string | null;
  /** Whether procedures check their results against their output schemas (OUTPUT_VALIDATION; default on). */
  checkOutputs?: boolean;
  /** The bus; without it (in-process tests) events wait in the outbox and no consumer runs. */
  nats?: NatsConnectionLoop;
  /** The worker database's commit signal (WorkerDatabase.outboxSignal): wakes the relay at once. */
  outboxSignal?: OutboxSignal;
  /** Makes and checks consistency tokens (from the mesh secret); none: the development key, as with identity checks off. */
  consistency?: ConsistencyTokens;
  /** The longest a read of a read model waits for a consistency token's events (READ_WAIT_MS). Default 2000. */
  readWaitMs?: number;
  /** How long each kind of data is kept (its stream, sent outbox rows, the inbox, idempotency keys); default the settings' defaults. */
  retention?: Retention;
}

/** One durable consumer of another worker's stream. */
export interface ConsumerDescription {
  /** The durable consumer's name: also the inbox key and the DLQ subject token. */
  name: string;
  /** The publishing worker whose stream is read. */
  owner: string;
  handlers: Record<string, EventHandler<any>>;
  /** The delivery on which a still-failing message goes to the dead letters. */
  maxDeliver?: number;
}

/** What the kit created for the worker, for the procedures' context (reporting's rebuild needs its consumer). */
export interface WorkerParts {
  /** By consumer name; empty without a bus. */
  consumers: Record<string, EventConsumer>;
  /** Its reads of data built from events go through it to honour consistency tokens (none to wait for without consumers). */
  readModel: ReadModelGate;
  /** The tokens its edge makes and checks (deps.consistency, or the development key). */
  consistency: ConsistencyTokens;
}

export interface WorkerDescription<TRouter extends AnyRouter, Deps extends WorkerBaseDeps, Context> {
  name: string;
  router: TRouter;
  deps: Deps;
  /** The worker's outbox: with a bus, a relay publishes it to the worker's stream. */
  outbox?: OutboxTable;
  /** The worker's inbox: consumers apply each event once through it (the kit's pruner keeps it within INBOX_RETENTION). */
  inbox?: InboxTable;
  /** Where its consumers record how far they have applied each stream: its read models' position and lag. */
  positions?: ConsumerPositionsTable;
  /** The worker's idempotency keys (shared/db/idempotency.ts): pruned past IDEMPOTENCY_KEY_RETENTION with the outbox and inbox. */
  idempotencyKeys?: IdempotencyKeysTable;
  /** The worker's own kinds of data with a retention (orders' finished sagas): pruned by the same loop. */
  retentionRules?: RetentionRule[];
  consumers?: ConsumerDescription[];
  /** The worker's own loops (a saga sweeper, a pruner): run with or without a bus, stopped first. */
  loops?: WorkerLoop[];
  /** What procedures see as `ctx.deps`; default the deps. */
  context?: (parts: WorkerParts) => Context;
  /** Adds routes beside `/trpc` (the gateway's REST API lives here). */
  routes?: (app: Hono<WorkerEnv>) => void;
  /** Middleware in front of every route, after the kit's own (the gateway's CORS policy). */
  edge?: MiddlewareHandler<WorkerEnv>[];
  /** Renders `/metrics`; defaults to the process's telemetry (startTelemetry). None: `/metrics` is 404. */
  metricsText?: () => Promise<string>;
}

export interface Worker<TRouter extends AnyRouter = AnyRouter> {
  name: string;
  app: Hono<WorkerEnv>;
  router: TRouter;
  start(): Promise<void>;
  stop(): Promise<void>;
  isReady(): boolean;
  /** Adds facts to `/health/ready` from outside the worker (main.ts adds the last backup's outcome). */
  addHealth(facts: HealthFacts): void;
}

export function createWorker<TRouter extends AnyRouter, Deps extends WorkerBaseDeps, Context = Deps>(description: WorkerDescription<TRouter, Deps, Context>): Worker<TRouter> {
  const { name, router, deps } = description;
  const parts = workerParts(description);
  const loops = busLoops(description, parts);
  loops.push(...prunerLoops(description));
  loops.push(...(description.loops ?? []));
  const health: HealthFacts[] = loops.flatMap((loop) => (loop.health ? [() => loop.health!()] : []));
  // The streams it reads, for the topology of the gateway's /mesh dashboard.
  const consumes = (description.consumers ?? []).map(({ owner, name: durable }) => ({ owner, durable }));
  if (consumes.length > 0) health.push(() => ({ consumes }));
  // Whether answers are checked against their output schemas (OUTPUT_VALIDATION), for whoever reads a bench or an incident.
  const outputValidation = deps.checkOutputs === false ? "off" : "on";
  health.push(() => ({ outputValidation }));
  let ready = false;
  const app = createWorkerApp({
    name,
    router,
    context: description.context ? description.context(parts) : deps,
    logger: deps.logger,
    identity: deps.identity,
    consistency: parts.consistency,
    bodyLimitBytes: deps.bodyLimitBytes,
    adminApiKey: deps.adminApiKey,
    checkOutputs: outputValidation === "on",
    routes: description.routes,
    edge: description.edge,
    metricsText: description.metricsText,
    isReady: () => ready,
    health,
  });
  return {
    name,
    app,
    router,
    isReady: () => ready,
    addHealth: (facts) => void health.push(facts),
    async start() {
      for (const loop of loops) await loop.start();
      ready = true;
    },
    async stop() {
      ready = false;
      for (const loop of [...loops].reverse()) await loop.stop();
    },
  };
}

function dbOf(deps: WorkerBaseDeps): WorkerDb<any> | undefined {
  return (deps as WorkerBaseDeps & { db?: WorkerDb<any> }).db;
}

/** The tokens, and the read-model gate over the consumers (created by busLoops, filled into `consumers`). */
function workerParts(description: WorkerDescription<AnyRouter, WorkerBaseDeps, unknown>): WorkerParts {
  const { name, deps, inbox, positions } = description;
  const consistency = deps.consistency ?? createConsistencyTokens(null);
  const consumers: Record<string, EventConsumer> = {};
  const readModel = createReadModelGate({
    name,
    db: dbOf(deps),
    inbox,
    positions,
    tokens: consistency,
    consumers: (description.consumers ?? []).map((consumer) => ({ name: consumer.name, owner: consumer.owner, subjects: Object.keys(consumer.handlers) })),
    maxWaitMs: deps.readWaitMs ?? 2_000,
    health: (consumer) => consumers[consumer]?.stats(),
  });
  return { consumers, readModel, consistency };
}

/** The pruner of the worker's kit tables (outbox, inbox, idempotency keys), bus or not; none without a database or such a table. */
function prunerLoops(description: WorkerDescription<AnyRouter, WorkerBaseDeps, unknown>): WorkerLoop[] {
  const { deps, outbox, inbox, idempotencyKeys, retentionRules: rules } = description;
  const db = dbOf(deps);
  if (!db || !(outbox || inbox || idempotencyKeys || rules?.length)) return [];
  return [createRetentionPruner({ db, tables: { outbox, inbox, idempotencyKeys, rules }, retention: deps.retention ?? defaultRetention, logger: deps.logger })];
}

/** With a bus: the connection first (stopped last), then the relay of the outbox, then the consumers (into `parts.consumers`). */
function busLoops(description: WorkerDescription<AnyRouter, WorkerBaseDeps, unknown>, parts: WorkerParts): WorkerLoop[] {
  const { name: owner, deps, outbox, inbox, positions } = description;
  const { nats, logger } = deps;
  if (!nats) return [];
  const loops: WorkerLoop[] = [nats];
  const needsDb = outbox || description.consumers?.length;
  const db = dbOf(deps);
  if (needsDb && !db) throw new Error(`${owner}: an outbox or consumers need the worker's database in deps.db`);
  const retention = deps.retention ?? defaultRetention;
  const stream = { maxAgeMs: retention.streamMaxAgeMs, maxBytes: retention.streamMaxBytes };
  if (outbox) loops.push(createOutboxRelay({ db: db!, outbox, owner, nats, logger, signal: deps.outboxSignal, stream }));
  for (const consumer of description.consumers ?? []) {
    if (!inbox) throw new Error(`${owner}: consumer ${consumer.name} needs the worker's inbox`);
    const onApplied = (event: EventEnvelope, delivery: Delivery) => parts.readModel.applied(consumer.name, event, delivery);
    const created = createEventConsumer({ db: db!, inbox, positions, onApplied, ...consumer, nats, logger });
    parts.consumers[consumer.name] = created;
    loops.push(created);
  }
  return loops;
}
