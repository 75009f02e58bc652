/**
 * What every worker's `main.ts` does, in order: parse config (exit 1 naming every bad
 * variable), start telemetry (telemetry/sdk.ts: spans, /metrics), open and migrate the worker's own DB, build the worker, serve it with Bun, and on
 * SIGINT/SIGTERM stop accepting, let in-flight requests finish, stop loops and close the DB.
 * Only `main.ts` files call this: it is where side effects live. A worker that owns no data
 * (the gateway) passes `schema: null`: no DB file is opened and `db`/`database` are null.
 * `base` holds what every worker's deps take (WorkerBaseDeps: logger, identity, body limit, the
 * database's outbox signal): spread whole into the deps, so the identity cannot be left behind.
 *
 * @example
 *   await runWorkerMain({
 *     worker: "users", configSchema, schema,
 *     create: ({ base, db, nats }) => createUsersWorker({ ...base, db, now: () => new Date(), nats: nats() }),
 *   });
 */
import type { z } from "zod";
import { ConfigError, parseConfig, type WorkerConfig } from "./config";
import { openWorkerDatabase, type WorkerDatabase, type WorkerDb } from "./db";
import { createLogger, type Logger } from "./logger";
import { createServiceIdentity, readMeshSecret, readSecretFile, type ServiceIdentity } from "./identity";
import { startTelemetry } from "../telemetry/sdk";
import packageJson from "../package.json" with { type: "json" };
import type { Worker, WorkerBaseDeps } from "./worker";
import { createNatsConnection, type NatsConnectionLoop } from "./events/nats";
import { backupHealthOf } from "./backup-status";

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
}

export interface RunWorkerMainOptions<S extends z.ZodType<WorkerConfig>, TSchema extends Record<string, unknown> | null> {
  worker: string;
  configSchema: S;
  schema: TSchema;
  create(context: WorkerMainContext<z.output<S>, TSchema>): Worker | Promise<Worker>;
  env?: Record<string, string | undefined>;
}

export async function runWorkerMain<S extends z.ZodType<WorkerConfig>, TSchema extends Record<string, unknown> | null>(
  options: RunWorkerMainOptions<S, TSchema>,
): Promise<void> {
  let config: z.output<S>;
  try {
    config = parseConfig(options.configSchema, options.env ?? process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${options.worker}: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  // First, so every span, metric and DB transaction after this point is recorded.
  const telemetry = await startTelemetry({ serviceName: options.worker, serviceVersion: packageJson.version, env: options.env ?? process.env });
  const logger = createLogger({ worker: options.worker, level: config.LOG_LEVEL });
  const database =
    options.schema === null
      ? null
      : await openWorkerDatabase({
          worker: options.worker,
          dataDir: config.DATA_DIR,
          schema: options.schema,
          synchronous: config.SQLITE_SYNCHRONOUS,
        });
  const secret = readMeshSecret(config);
  const identity = secret ? createServiceIdentity({ self: options.worker, secret }) : null;
  if (!identity) {
    logger.warn(
      "SERVICE IDENTITY CHECKS ARE OFF: no MESH_TOKEN_SECRET or MESH_TOKEN_SECRET_FILE, so any process that reaches this port may call every procedure (development only; the launcher always sets one)",
    );
  }
  const natsPassword = config.NATS_PASSWORD ?? (config.NATS_PASSWORD_FILE ? readSecretFile(config.NATS_PASSWORD_FILE, "NATS_PASSWORD_FILE") : undefined);
  const natsAuth = config.NATS_USER ? { user: config.NATS_USER, ...(natsPassword ? { pass: natsPassword } : {}) } : {};
  const base: WorkerBaseDeps = { logger, identity, bodyLimitBytes: config.BODY_LIMIT_BYTES, ...(database ? { outboxSignal: database.outboxSignal } : {}) };
  const context = {
    config,
    db: database?.db ?? null,
    database,
    logger,
    identity,
    base,
    nats: () => createNatsConnection({ url: config.NATS_URL, name: options.worker, logger, ...natsAuth }),
  } as WorkerMainContext<z.output<S>, TSchema>;
  const worker = await options.create(context);
  // The last backup's outcome (written by the launcher or `mesh backup`): a failed or overdue
  // backup is reported, not a reason to stop taking traffic, so readiness itself is unchanged.
  if (database) worker.addHealth(() => ({ backup: backupHealthOf(config.DATA_DIR, options.worker) }));

  const server = Bun.serve({ hostname: config.HOST, port: config.PORT, fetch: worker.app.fetch });
  await worker.start();
  logger.info({ url: `http://${config.HOST}:${server.port}`, db: database?.file ?? null, identityChecks: identity ? "on" : "off" }, `${options.worker} ready`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${options.worker} stopping`);
    const forced = setTimeout(() => {
      logger.warn("in-flight requests did not finish in time; closing connections");
      void server.stop(true);
    }, config.SHUTDOWN_GRACE_MS);
    await server.stop(false);
    clearTimeout(forced);
    await worker.stop();
    database?.close();
    await telemetry.shutdown();
    logger.info(`${options.worker} stopped`);
    logger.flush();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}
