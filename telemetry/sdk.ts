/**
 * Starts OpenTelemetry once per worker process (main.ts calls it right after config): resource
 * `service.name` = worker, `service.namespace` = bunmesh, `service.version`; AsyncLocalStorage
 * context; W3C trace-context + baggage propagation; `correlation.id` stamped on every span; a
 * batch span processor per destination, exporting OTLP/HTTP (protobuf) to `OTEL_EXPORTER_OTLP_ENDPOINT`
 * (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) and to the mesh's own trace store at `TRACE_STORE_URL`
 * (the launcher sets it), one sampler deciding for both (`OTEL_BSP_*`, `OTEL_EXPORTER_OTLP_HEADERS`,
 * `OTEL_TRACES_EXPORTER=none`, `OTEL_SDK_DISABLED=true` honoured). No destination = no exporter:
 * trace context still flows through, nothing is recorded, nothing is logged. Metrics go to a
 * pull reader without a server of its own; `metricsText()` renders them for `/metrics` in Prometheus
 * text format. A tracer provider, a meter provider and the context manager, not the NodeSDK: the
 * NodeSDK also loads exporters, log and instrumentation packages a worker never uses (~10 MB of RSS).
 *
 * @example
 *   const telemetry = await startTelemetry({ serviceName: "users", serviceVersion: "0.1.0" });
 *   ...; await telemetry.shutdown(); // flushes spans
 */
import { hostname } from "node:os";
import { context, metrics, propagation, trace } from "@opentelemetry/api";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { detectResources, envDetector, resourceFromAttributes, type Resource } from "@opentelemetry/resources";
import type { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { AggregationTemporality, MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CorrelationSpanProcessor } from "./correlation";
import { serveProcessMetrics } from "./metrics-endpoint";
import { observeProcess } from "./process-metrics";

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion: string;
  /** Where OTEL_* settings are read; process.env by default. */
  env?: Record<string, string | undefined>;
}

export interface Telemetry {
  /** The OTLP traces URLs spans go to (the collector's, the mesh's trace store's); empty when nothing is exported. */
  tracesUrls: string[];
  /** Exports the spans ended so far now, rather than at the batch's next tick. */
  flush(): Promise<void>;
  /** Flushes pending spans and stops the providers (bounded: a dead collector cannot hold it). */
  shutdown(): Promise<void>;
  /** The current metrics in Prometheus text format. */
  metricsText(): Promise<string>;
}

let started: Telemetry | undefined;

/** The OTLP/HTTP traces URL the standard variables name, or null for none. */
export function otlpTracesUrl(env: Record<string, string | undefined>): string | null {
  const exporters = (env["OTEL_TRACES_EXPORTER"] ?? "").split(",").map((s) => s.trim());
  if (exporters.includes("none")) return null;
  const traces = env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]?.trim();
  if (traces) return traces;
  const base = env["OTEL_EXPORTER_OTLP_ENDPOINT"]?.trim();
  return base ? `${base.replace(/\/+$/, "")}/v1/traces` : null;
}

/**
 * Every OTLP/HTTP traces URL to export to: the standard variables' collector (Jaeger) and the
 * mesh's trace store (`TRACE_STORE_URL`), each once; none with `OTEL_TRACES_EXPORTER=none`.
 */
export function traceExportUrls(env: Record<string, string | undefined>): string[] {
  const exporters = (env["OTEL_TRACES_EXPORTER"] ?? "").split(",").map((s) => s.trim());
  if (exporters.includes("none")) return [];
  const urls = [otlpTracesUrl(env), env["TRACE_STORE_URL"]?.trim() || null].filter((url): url is string => url !== null);
  return [...new Set(urls)];
}

export async function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  if (started) return started;
  const env = options.env ?? process.env;
  if (/^true$/i.test(env["OTEL_SDK_DISABLED"]?.trim() ?? "")) {
    started = { tracesUrls: [], flush: async () => undefined, shutdown: async () => undefined, metricsText: async () => "" };
    return started;
  }

  const resource = resourceOf(options);
  // Registered whether or not spans are exported: trace context flows through every hop either way.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  const tracesUrls = traceExportUrls(env);
  // No exporter = no tracer provider: spans stay non-recording (the API's no-op), context still flows.
  const tracerProvider = tracesUrls.length > 0 ? await exportingTracerProvider(tracesUrls, resource, env) : undefined;
  if (tracerProvider) trace.setGlobalTracerProvider(tracerProvider);
  const reader = new PullMetricReader();
  const meterProvider = new MeterProvider({ resource, readers: [reader] });
  metrics.setGlobalMeterProvider(meterProvider);
  observeProcess(meterProvider.getMeter("bunmesh"));

  // The Prometheus serializer (and the exporter package around it) is loaded at the first scrape, not at start.
  let serializer: Promise<{ serialize(metrics: unknown): string }> | undefined;
  const metricsText = async () => {
    serializer ??= import("@opentelemetry/exporter-prometheus").then(({ PrometheusSerializer }) => new PrometheusSerializer());
    const [render, collected] = await Promise.all([serializer, reader.collect()]);
    return render.serialize(collected.resourceMetrics);
  };
  serveProcessMetrics(metricsText);

  started = {
    tracesUrls,
    metricsText,
    flush: async () => void (await tracerProvider?.forceFlush()),
    async shutdown() {
      serveProcessMetrics(undefined);
      const done = Promise.allSettled([tracerProvider?.shutdown(), meterProvider.shutdown()]);
      await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    },
  };
  return started;
}

function resourceOf(options: TelemetryOptions): Resource {
  return detectResources({ detectors: [envDetector] }).merge(
    resourceFromAttributes({
      "service.name": options.serviceName,
      "service.namespace": "bunmesh",
      "service.version": options.serviceVersion,
      "service.instance.id": `${hostname()}:${process.pid}`,
      "process.pid": process.pid,
      "process.runtime.name": typeof (globalThis as { Bun?: unknown }).Bun === "undefined" ? "nodejs" : "bun",
    }),
  );
}

/**
 * Spans batched and exported over OTLP/HTTP (protobuf), a batch per destination. The SDK and the
 * exporter modules are loaded only here: an untraced worker never holds them (~10 MB of RSS).
 */
async function exportingTracerProvider(tracesUrls: string[], resource: Resource, env: Record<string, string | undefined>): Promise<BasicTracerProvider> {
  const [{ OTLPTraceExporter }, { BasicTracerProvider, BatchSpanProcessor }] = await Promise.all([
    import("@opentelemetry/exporter-trace-otlp-proto"),
    import("@opentelemetry/sdk-trace-base"),
  ]);
  const exporting = tracesUrls.map((url) => new BatchSpanProcessor(new OTLPTraceExporter({ url }), batchSettings(env)));
  // One provider, so one sampler (OTEL_TRACES_SAMPLER, _ARG, read by it) decides for every destination; span limits likewise.
  return new BasicTracerProvider({ resource, spanProcessors: [new CorrelationSpanProcessor(), ...exporting] });
}

/**
 * The batch processor's settings: `OTEL_BSP_*` when set, else batches of up to 2,048 spans (the
 * SDK's 512 meant an export request every ~0.3 s from a busy orders worker) in a queue of 8,192.
 */
export function batchSettings(env: Record<string, string | undefined>) {
  const number = (name: string, fallback: number) => {
    const value = Number(env[name]?.trim() || Number.NaN);
    return Number.isFinite(value) && value > 0 ? value : fallback;
  };
  const maxQueueSize = number("OTEL_BSP_MAX_QUEUE_SIZE", 8192);
  return {
    maxQueueSize,
    maxExportBatchSize: Math.min(number("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 2048), maxQueueSize),
    scheduledDelayMillis: number("OTEL_BSP_SCHEDULE_DELAY", 5000),
    exportTimeoutMillis: number("OTEL_BSP_EXPORT_TIMEOUT", 30_000),
  };
}

/** Metrics kept for `/metrics` to pull (cumulative, as Prometheus reads them); nothing is pushed. */
class PullMetricReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}
