/**
 * Starts the OpenTelemetry NodeSDK once per worker process (main.ts calls it right after config): resource
 * `service.name` = worker, `service.namespace` = bunmesh, `service.version`; AsyncLocalStorage
 * context; W3C trace-context + baggage propagation; `correlation.id` stamped on every span; a
 * batch span processor exporting OTLP/HTTP (protobuf) when `OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set (`OTEL_BSP_*`, `OTEL_EXPORTER_OTLP_HEADERS`,
 * `OTEL_TRACES_EXPORTER=none`, `OTEL_SDK_DISABLED=true` honoured). No endpoint = no exporter:
 * trace context still flows through, nothing is recorded, nothing is logged. Metrics go to a
 * Prometheus reader without its own server; `metricsText()` renders them for `/metrics`.
 *
 * @example
 *   const telemetry = await startTelemetry({ serviceName: "users", serviceVersion: "0.1.0" });
 *   ...; await telemetry.shutdown(); // flushes spans
 */
import { hostname } from "node:os";
import { ProxyTracerProvider, trace } from "@opentelemetry/api";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { BatchSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { PrometheusExporter, PrometheusSerializer } from "@opentelemetry/exporter-prometheus";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CorrelationSpanProcessor } from "./correlation";
import { serveProcessMetrics } from "./metrics-endpoint";

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion: string;
  /** Where OTEL_* settings are read; process.env by default. */
  env?: Record<string, string | undefined>;
}

export interface Telemetry {
  /** The OTLP traces URL spans go to, or null when nothing is exported. */
  tracesUrl: string | null;
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

export async function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  if (started) return started;
  const env = options.env ?? process.env;
  if (/^true$/i.test(env["OTEL_SDK_DISABLED"]?.trim() ?? "")) {
    started = { tracesUrl: null, flush: async () => undefined, shutdown: async () => undefined, metricsText: async () => "" };
    return started;
  }

  const resource = detectResources({ detectors: [envDetector] }).merge(
    resourceFromAttributes({
      "service.name": options.serviceName,
      "service.namespace": "bunmesh",
      "service.version": options.serviceVersion,
      "service.instance.id": `${hostname()}:${process.pid}`,
      "process.pid": process.pid,
      "process.runtime.name": typeof (globalThis as { Bun?: unknown }).Bun === "undefined" ? "nodejs" : "bun",
    }),
  );

  const tracesUrl = otlpTracesUrl(env);
  const spanProcessors: SpanProcessor[] = [];
  if (tracesUrl) {
    // Loaded only when used: the exporter is the heaviest module here.
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-proto");
    spanProcessors.push(new CorrelationSpanProcessor(), new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl })));
  }
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const serializer = new PrometheusSerializer();

  // Everything is given explicitly, so NodeSDK reads nothing else from the environment: with no
  // span processor it registers no tracer provider (spans stay non-recording, context still
  // flows), and the empty log processors keep it from adding an OTLP log exporter of its own.
  // Auto-instrumentation patches modules, which does not work under Bun: instrumentation is by hand.
  const sdk = new NodeSDK({
    resource,
    autoDetectResources: false,
    contextManager: new AsyncLocalStorageContextManager(),
    textMapPropagator: new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
    spanProcessors,
    metricReader: prometheus,
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  const registered = trace.getTracerProvider();
  const delegate = registered instanceof ProxyTracerProvider ? registered.getDelegate() : registered;
  const tracerProvider = spanProcessors.length > 0 ? (delegate as unknown as { forceFlush(): Promise<void> }) : undefined;

  const metricsText = async () => serializer.serialize((await prometheus.collect()).resourceMetrics);
  serveProcessMetrics(metricsText);

  started = {
    tracesUrl,
    metricsText,
    flush: async () => void (await tracerProvider?.forceFlush()),
    async shutdown() {
      serveProcessMetrics(undefined);
      const done = Promise.allSettled([sdk.shutdown()]);
      await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    },
  };
  return started;
}
