/**
 * Entry of the telemetry process (`bun run shared/mesh/telemetry/main.ts`, started and supervised
 * by the launcher like a worker): the mesh's own trace store and metric series, for the gateway's
 * /mesh pages and `mesh trace`. Config (exit 1 naming every bad variable), its SQLite file
 * DATA_DIR/telemetry.db, the HTTP API, the scraper, pruning by age on a timer; SIGTERM stops it.
 * It exports no spans of its own: a store tracing its own intake would feed on itself.
 */
import { ConfigError, parseConfig } from "../../core/config";
import { createLogger } from "../../core/logger";
import { readMeshSecret } from "../../core/secrets";
import { openWorkerDatabase } from "../../db/db";
import { createServiceIdentity } from "../../rpc/identity";
import { createTelemetryApp } from "./api";
import { telemetryConfigSchema, type TelemetryConfig } from "./config";
import { createScraper } from "./scraper";
import { telemetrySchema } from "./schema";
import { createSeriesRing } from "./series";
import { createTraceStore } from "./store";

function configOrExit(env: Record<string, string | undefined>): TelemetryConfig {
  try {
    return parseConfig(telemetryConfigSchema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`telemetry: ${error.message}\n`);
    process.exit(1);
  }
}

const config = configOrExit(process.env);
const logger = createLogger({ worker: "telemetry", level: config.LOG_LEVEL });
const database = await openWorkerDatabase({ worker: "telemetry", dataDir: config.DATA_DIR, schema: telemetrySchema, synchronous: config.SQLITE_SYNCHRONOUS });
const store = createTraceStore(database.db, {
  maxTraces: config.TRACE_STORE_MAX_TRACES,
  maxSpans: config.TRACE_STORE_MAX_SPANS,
  maxAgeMs: config.TRACE_STORE_MAX_AGE,
  pruneBatch: config.TRACE_STORE_PRUNE_BATCH,
});
const series = createSeriesRing({ capacity: Math.ceil(config.SERIES_WINDOW / config.SCRAPE_INTERVAL), intervalMs: config.SCRAPE_INTERVAL });
const secret = readMeshSecret(config);
const identity = secret ? createServiceIdentity({ self: "telemetry", secret }) : null;
const scraper = createScraper({ targets: config.SCRAPE_TARGETS, intervalMs: config.SCRAPE_INTERVAL, idleMaxMs: config.SCRAPE_IDLE_MAX, series });
const app = createTelemetryApp({ store, db: database.db, series, identity, logger, onSeriesRead: () => scraper.watched() });

store.prune();
const server = Bun.serve({ hostname: config.HOST, port: config.PORT, fetch: app.fetch, maxRequestBodySize: 64 * 1024 * 1024 });
scraper.start();
// Age is the one bound that passes with no export arriving.
const pruning = setInterval(() => store.prune(), Math.min(10_000, Math.max(1_000, config.TRACE_STORE_MAX_AGE / 10)));
logger.info({ url: `http://${config.HOST}:${server.port}`, db: database.file, scrapes: config.SCRAPE_TARGETS.map((target) => target.name) }, "telemetry ready");

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "telemetry stopping");
  clearInterval(pruning);
  await scraper.stop();
  await server.stop(false);
  database.close();
  logger.info("telemetry stopped");
  logger.flush();
  process.exit(0);
};
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
