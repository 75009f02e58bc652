/**
 * What every worker's `main.ts` does, in order: parse config (exit 1 naming every bad
 * variable), start telemetry (telemetry/sdk.ts: spans, /metrics), open and migrate the worker's own DB, build the worker, serve it with Bun, and on
 * SIGINT/SIGTERM stop accepting, let in-flight requests finish, stop loops and close the DB.
 * Only `main.ts` files call this: it is where side effects live. A worker that owns no data
 * (the gateway) passes `schema: null`: no DB file is opened and `db`/`database` are null.
 * `base` holds what every worker's deps take (WorkerBaseDeps: logger, identity, body limit, the
 * consistency tokens and read wait, the database's outbox signal): spread whole into the deps, so the identity cannot be left behind.
 *
 * @example
 *   await runWorkerMain({
 *     worker: "users", configSchema, schema,
 *     create: ({ base, db, nats }) => createUsersWorker({ ...base, db, now: () => new Date(), nats: nats() }),
 *   });
 */
import type { z } from "zod";
import { ConfigError, fallbackUrlOf, parseWorkerConfig, type PeerSetting, type WorkerConfig } from "../core/config";
import { createPeerResolver, lookupThroughNats, type PeerLocation, type PeerResolver } from "../rpc/peer-discovery";
import { openWorkerDatabase, type WorkerDatabase, type WorkerDb } from "../db/db";
import { createLogger, type Logger } from "../core/logger";
import { createServiceIdentity, type ServiceIdentity } from "../rpc/identity";
import { readMeshSecret, readSecretFile } from "../core/secrets";
import { retentionOf } from "../core/retention";
import { startTelemetry } from "../../telemetry/sdk";
import packageJson from "../../package.json" with { type: "json" };
import type { Worker, WorkerBaseDeps } from "./worker";
import { createNatsConnection, type NatsConnectionLoop } from "../events/nats";
import { createConsistencyTokens } from "../events/consistency-token";
import { backupHealthOf } from "../db/backup-status";
import { advertisedUrlOf, createServiceRegistration, type ServiceRegistration } from "../rpc/service-registry";
import { hostname, networkInterfaces } from "node:os";

export interface WorkerMainContext<Config, TSchema extends Record<string, unknown> | null> {
  config: Config;
  db: TSchema extends Record<string, unknown> ? WorkerDb<TSchema> : null;
  database: TSchema extends Record<string, unknown> ? WorkerDatabase<TSchema> : null;
  logger: Logger;
  /** Signs this worker's calls to peers and verifies calls to it; null when no secret is configured. */
  identity: ServiceIdentity | null;
  /** The deps every worker takes (logger, identity, BODY_LIMIT_BYTES, the outbox signal): spread into its deps. */
  base: WorkerBaseDeps;
  /** This worker's NATS connection (NATS_URL, its user and password), started and stopped by the worker. */
  nats(): NatsConnectionLoop;
  /**
   * Where to call `peer` (spread into createPeerClient's options): pinned by its `<PEER>_URL`, or
   * found through NATS and followed as it moves (shared/rpc/peer-discovery.ts).
   */
  peerLocation(peer: string, setting: PeerSetting): PeerLocation;
}

export interface RunWorkerMainOptions<S extends z.ZodType<WorkerConfig>, TSchema extends Record<string, unknown> | null> {
  worker: string;
  configSchema: S;
  schema: TSchema;
  create(context: WorkerMainContext<z.output<S>, TSchema>): Worker | Promise<Worker>;
  env?: Record<string, string | undefined>;
}

export async function runWorkerMain<S extends z.ZodType<WorkerConfig>, TSchema extends Record<string, unknown> | null>(options: RunWorkerMainOptions<S, TSchema>): Promise<void> {
  const env = options.env ?? process.env;
  const config = configOrExit(options.worker, options.configSchema, env);
  // First, so every span, metric and DB transaction after this point is recorded.
  const telemetry = await startTelemetry({ serviceName: options.worker, serviceVersion: packageJson.version, env });
  const logger = createLogger({ worker: options.worker, level: config.LOG_LEVEL });
  const database =
    options.schema === null ? null : await openWorkerDatabase({ worker: options.worker, dataDir: config.DATA_DIR, schema: options.schema, synchronous: config.SQLITE_SYNCHRONOUS });
  const secret = readMeshSecret(config);
  const identity = identityOf(options.worker, secret, logger);
  const base: WorkerBaseDeps = {
    logger,
    identity,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    consistency: createConsistencyTokens(secret),
    readWaitMs: config.READ_WAIT_MS,
    checkOutputs: config.OUTPUT_VALIDATION === "on",
    retention: retentionOf(config),
    ...(database ? { outboxSignal: database.outboxSignal } : {}),
  };
  const natsAuth = natsAuthOf(config);
  // One NATS connection per worker: its bus loops' (when it has any) and its service registration's.
  let natsLoop: NatsConnectionLoop | undefined;
  const resolvers: PeerResolver[] = [];
  const nats = () => (natsLoop ??= createNatsConnection({ url: config.NATS_URL, name: options.worker, logger, streamReplicas: config.STREAM_REPLICAS, ...natsAuth }));
  const context = {
    config,
    db: database?.db ?? null,
    database,
    logger,
    identity,
    base,
    nats,
    peerLocation: (peer: string, setting: PeerSetting) => {
      const resolver = createPeerResolver({ peer, pinnedUrl: setting.pinned, fallbackUrl: fallbackUrlOf(setting, config.MESH_PORT_BASE), lookup: lookupThroughNats(nats(), peer) });
      resolvers.push(resolver);
      return resolver.location();
    },
  } as WorkerMainContext<z.output<S>, TSchema>;
  const worker = await options.create(context);
  // The last backup's outcome (written by the launcher or `mesh backup`): a failed or overdue
  // backup is reported, not a reason to stop taking traffic, so readiness itself is unchanged.
  if (database) worker.addHealth(() => ({ backup: backupHealthOf(config.DATA_DIR, options.worker) }));
  // For the gateway's /mesh dashboard: which process answers, and which peers it calls (its `<PEER>_URL` settings).
  worker.addHealth(() => ({ process: processFacts(), peers: peersOf(config) }));

  // The connection its registration and peer lookups use, which a worker without bus loops does not
  // start itself: started and stopped here too (both are idempotent).
  const bus = nats();
  const server = Bun.serve({ hostname: config.HOST, port: config.PORT, fetch: worker.app.fetch });
  await worker.start();
  await bus.start();
  const registration = registrationOf(options.worker, config, server.port ?? config.PORT, bus, worker, logger);
  registration.start();
  for (const resolver of resolvers) resolver.start();
  logger.info({ url: `http://${config.HOST}:${server.port}`, db: database?.file ?? null, identityChecks: identity ? "on" : "off" }, `${options.worker} ready`);
  const close = async () => {
    for (const resolver of resolvers) resolver.stop();
    await bus.stop();
    database?.close();
  };
  stopOnSignals({ name: options.worker, server, worker, logger, graceMs: config.SHUTDOWN_GRACE_MS, close, registration, telemetry });
}

/** The worker's NATS service: its advertised URL, host and pid, ready as the worker is. */
function registrationOf(name: string, config: WorkerConfig, port: number, nats: NatsConnectionLoop, worker: Worker, logger: Logger): ServiceRegistration {
  const url = advertisedUrlOf({ advertiseUrl: config.ADVERTISE_URL, advertiseHost: config.ADVERTISE_HOST, host: config.HOST, port }, networkInterfaces());
  const metadata = { url, host: config.MESH_HOST_NAME ?? hostname(), pid: String(process.pid) };
  return createServiceRegistration({ nats, name, version: packageJson.version, metadata, isReady: () => worker.isReady(), logger });
}

function processFacts() {
  return { pid: process.pid, uptimeS: Math.round(process.uptime()), version: packageJson.version };
}

/** URL settings that name no peer: the bus, the trace store spans go to, and the Jaeger UI and telemetry process the gateway's dashboard reads. */
const notPeers = new Set(["NATS_URL", "JAEGER_UI_URL", "TRACE_STORE_URL", "TELEMETRY_URL"]);

/** The peers a worker calls: each `<PEER>_URL` setting (a parsed peer setting, or an HTTP URL). */
export function peersOf(config: Record<string, unknown>): string[] {
  const isPeer = (value: unknown) => (typeof value === "string" && /^https?:\/\//.test(value)) || (typeof value === "object" && value !== null && "portOffset" in value);
  return Object.entries(config)
    .filter(([key, value]) => key.endsWith("_URL") && !notPeers.has(key) && isPeer(value))
    .map(([key]) => key.slice(0, -"_URL".length).toLowerCase().replace(/_/g, "-"));
}

/** The parsed config; a bad one ends the process with exit code 1 and every bad variable named. */
function configOrExit<S extends z.ZodType<WorkerConfig>>(worker: string, schema: S, env: Record<string, string | undefined>): z.output<S> {
  try {
    return parseWorkerConfig(schema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${worker}: ${error.message}\n`);
    process.exit(1);
  }
}

function identityOf(worker: string, secret: Uint8Array | null, logger: Logger): ServiceIdentity | null {
  if (secret) return createServiceIdentity({ self: worker, secret });
  logger.warn(
    "SERVICE IDENTITY CHECKS ARE OFF: no MESH_TOKEN_SECRET or MESH_TOKEN_SECRET_FILE, so any process that reaches this port may call every procedure and consistency tokens are signed with a development key (development only; the launcher always sets one)",
  );
  return null;
}

function natsAuthOf(config: WorkerConfig): { user?: string; pass?: string } {
  const password = config.NATS_PASSWORD ?? (config.NATS_PASSWORD_FILE ? readSecretFile(config.NATS_PASSWORD_FILE, "NATS_PASSWORD_FILE") : undefined);
  return config.NATS_USER ? { user: config.NATS_USER, ...(password ? { pass: password } : {}) } : {};
}

/** On SIGINT/SIGTERM: stop accepting, let in-flight requests finish (up to the grace), stop loops, close the DB, flush telemetry. */
function stopOnSignals(parts: {
  name: string;
  server: { stop(force: boolean): Promise<void> | void };
  worker: Worker;
  logger: Logger;
  graceMs: number;
  close: () => Promise<void>;
  registration: ServiceRegistration;
  telemetry: { shutdown(): Promise<void> };
}): void {
  const { name, server, worker, logger } = parts;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${name} stopping`);
    // Out of the registry first, so peers stop finding it while it finishes what is in flight.
    await parts.registration.stop();
    const forced = setTimeout(() => {
      logger.warn("in-flight requests did not finish in time; closing connections");
      void server.stop(true);
    }, parts.graceMs);
    await server.stop(false);
    clearTimeout(forced);
    await worker.stop();
    await parts.close();
    await parts.telemetry.shutdown();
    logger.info(`${name} stopped`);
    logger.flush();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}
