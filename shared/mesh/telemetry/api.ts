/**
 * The telemetry process's HTTP API. `POST /v1/traces` takes OTLP/HTTP protobuf exports from every
 * worker (open on its loopback port, as a collector's OTLP port is: exporters send no tokens);
 * the reads — `GET /traces` (a page of summaries), `GET /traces/spans` (whole traces, at most 20)
 * and `GET /series` (the charts' series) — need a service token from the gateway or the mesh CLI
 * when the mesh has a secret. A bad query is a 400 naming the parameter.
 *
 * @example
 *   const app = createTelemetryApp({ store, db, series, identity });
 *   Bun.serve({ port, fetch: app.fetch });
 */
import { Hono, type Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { ZodError } from "zod";
import { decodeTraceExport } from "../../../telemetry/otlp-decode";
import { parseTraceQuery, traceFilterOf, type TraceDetail, type TracePage } from "../../../telemetry/trace-query";
import { bearerTokenOf, type ServiceIdentity } from "../../rpc/identity";
import type { Logger } from "../../core/logger";
import { defaultPageSize, maxPageSize, searchTraces, spansOf } from "./search";
import type { SeriesRing } from "./series";
import type { TelemetryDb, TraceStore } from "./store";

export interface TelemetryAppDeps {
  store: TraceStore;
  db: TelemetryDb;
  series: SeriesRing;
  /** Someone reads the charts: the scraper goes back to its full rate. */
  onSeriesRead?: () => void;
  /** Verifies readers' tokens (audience `telemetry`); null: reads are open. */
  identity: ServiceIdentity | null;
  logger: Logger;
}

/** Who may read traces and series: the dashboard and the operator's CLI. */
const readers = new Set(["gateway", "mesh-cli"]);
/** Whole traces per `GET /traces/spans` (a correlation id rarely has more than a few). */
const maxWholeTraces = 20;

const problem = (c: Context, status: 400 | 401 | 403 | 415, code: string, message: string) => c.json({ error: { code, message } }, status);

const fieldsOf = (error: ZodError) =>
  error.issues.map((issue) => (issue.code === "unrecognized_keys" ? `${issue.keys.join(", ")}: unknown parameter` : `${issue.path.join(".")}: ${issue.message}`)).join("; ");

function readersOnly(identity: ServiceIdentity | null) {
  return createMiddleware(async (c, next) => {
    if (!identity) return next();
    try {
      const { caller } = await identity.verify(bearerTokenOf(c.req.header("authorization")));
      if (!readers.has(caller)) return problem(c, 403, "FORBIDDEN", `${caller} may not read traces (readers: ${[...readers].join(", ")})`);
    } catch (error) {
      return problem(c, 401, "UNAUTHENTICATED", `a service token for telemetry is required (${(error as Error).message})`);
    }
    return next();
  });
}

function receiveTraces(deps: TelemetryAppDeps) {
  return async (c: Context) => {
    const type = c.req.header("content-type") ?? "";
    if (!type.startsWith("application/x-protobuf"))
      return problem(c, 415, "UNSUPPORTED_MEDIA_TYPE", `OTLP/HTTP protobuf only (content-type application/x-protobuf), not ${type || "none"}`);
    let received;
    try {
      received = decodeTraceExport(new Uint8Array(await c.req.arrayBuffer()));
    } catch (error) {
      return problem(c, 400, "BAD_INPUT", `not an OTLP trace export: ${(error as Error).message}`);
    }
    deps.store.ingest(received);
    deps.store.prune();
    // An empty ExportTraceServiceResponse: everything accepted.
    return c.body(new Uint8Array(0), 200, { "content-type": "application/x-protobuf" });
  };
}

export function createTelemetryApp(deps: TelemetryAppDeps): Hono {
  const app = new Hono();
  app.onError((error, c) => {
    deps.logger.error({ err: error, path: c.req.path }, "telemetry request failed");
    return c.json({ error: { code: "INTERNAL", message: "internal error" } }, 500);
  });
  app.get("/health/live", (c) => c.json({ live: true, worker: "telemetry" }));
  app.get("/health/ready", (c) => c.json({ ready: true, worker: "telemetry", store: deps.store.size() }));
  app.post("/v1/traces", receiveTraces(deps));
  app.use("/traces", readersOnly(deps.identity));
  app.use("/traces/*", readersOnly(deps.identity));
  app.use("/series", readersOnly(deps.identity));
  app.get("/traces", (c) => {
    const query = parseTraceQuery(c.req.query());
    if (!query.success) return problem(c, 400, "BAD_INPUT", `invalid query: ${fieldsOf(query.error)}`);
    const filter = traceFilterOf(query.data);
    const traces = searchTraces(deps.db, filter);
    const full = traces.length === Math.min(filter.limit ?? defaultPageSize, maxPageSize);
    return c.json({ traces, nextBefore: full ? traces.at(-1)!.startMs : null } satisfies TracePage);
  });
  app.get("/traces/spans", (c) => {
    const query = parseTraceQuery(c.req.query());
    if (!query.success) return problem(c, 400, "BAD_INPUT", `invalid query: ${fieldsOf(query.error)}`);
    const filter = traceFilterOf(query.data);
    if (!filter.traceId && !filter.correlationId && !filter.orderId) return problem(c, 400, "BAD_INPUT", "invalid query: one of traceId, correlationId, orderId is required");
    const traces = searchTraces(deps.db, { ...filter, limit: maxWholeTraces });
    return c.json({
      traces,
      spans: spansOf(
        deps.db,
        traces.map((trace) => trace.traceId),
      ),
    } satisfies TraceDetail);
  });
  app.get("/series", (c) => {
    deps.onSeriesRead?.();
    return c.json(deps.series.json());
  });
  return app;
}
