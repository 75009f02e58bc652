/**
 * The telemetry process as the launcher runs it: its place (loopback, MESH_PORT_BASE + 10), its
 * environment (the workers it scrapes, the mesh secret to check its readers), and what it adds to
 * the workers' environments: `TRACE_STORE_URL` (their spans go there too) when the store is on,
 * and the gateway's `TELEMETRY_URL` (the /mesh pages read it). TRACE_STORE=auto (the default)
 * turns the store on unless the operator gave an OTLP endpoint: with Jaeger configured, spans go
 * to Jaeger alone unless TRACE_STORE=on keeps both.
 *
 * @example
 *   const telemetry = telemetrySpecOf(settings, specs); // { name: "telemetry", url: "http://127.0.0.1:4110", … }
 *   const extra = telemetryWorkerEnv(telemetry, spec, traceStoreIsOn(settings.traceStore, process.env));
 */
import { MeshSetupError, type WorkerSpec } from "../discover";
import type { MeshSettings } from "../settings";
import { telemetryConfigSchema, telemetryPortOffset } from "./config";

export type TraceStoreSetting = "on" | "off" | "auto";

export const telemetryEntry = "shared/mesh/telemetry/main.ts";

/** Whether workers send spans to the embedded store: on, off, or (auto) when the operator set no OTLP endpoint. */
export function traceStoreIsOn(setting: TraceStoreSetting, env: Record<string, string | undefined>): boolean {
  if (setting !== "auto") return setting === "on";
  return !env["OTEL_EXPORTER_OTLP_ENDPOINT"]?.trim() && !env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]?.trim();
}

/** Supervised like a worker (same restarts, readiness, log prefix), but no worker: it has no NATS user, no peers, no backups. */
export function telemetrySpecOf(settings: MeshSettings, workers: readonly WorkerSpec[]): WorkerSpec {
  const port = settings.portBase + telemetryPortOffset;
  const clash = workers.find((worker) => worker.port === port);
  if (clash)
    throw new MeshSetupError(
      `worker ${clash.name} is on port ${port}, where the telemetry process goes (MESH_PORT_BASE + ${telemetryPortOffset}); give it another placement.portOffset`,
    );
  return {
    name: "telemetry",
    entry: telemetryEntry,
    portOffset: telemetryPortOffset,
    port,
    host: "127.0.0.1",
    url: `http://127.0.0.1:${port}`,
    isGateway: false,
    configSchema: telemetryConfigSchema,
    consumes: [],
  };
}

/** The telemetry process's own variables (beside the operator's TRACE_STORE_* and SCRAPE_* settings it inherits). */
export function telemetryProcessEnv(telemetry: WorkerSpec, settings: MeshSettings, workers: readonly WorkerSpec[]): Record<string, string> {
  return {
    DATA_DIR: settings.dataDir,
    PORT: String(telemetry.port),
    HOST: telemetry.host,
    SCRAPE_TARGETS: workers.map((worker) => `${worker.name}=${worker.url}`).join(","),
  };
}

/** What one worker's environment gains: the store's OTLP URL when it is on, and for the gateway where to read it. */
export function telemetryWorkerEnv(telemetry: WorkerSpec, worker: WorkerSpec, storeOn: boolean): Record<string, string> {
  return {
    ...(storeOn ? { TRACE_STORE_URL: `${telemetry.url}/v1/traces` } : {}),
    ...(worker.isGateway ? { TELEMETRY_URL: telemetry.url } : {}),
  };
}
