/**
 * OTLP/HTTP protobuf trace exports made by a test (the same schema the store decodes with), for
 * feeding the mesh's trace store spans of a chosen shape or in bursts far beyond what a worker
 * sends. Workers' real exports are covered by the process tests; this is for quantity and shape.
 *
 * @example
 *   const body = encodeTraceExport([{ service: "orders", traceId, spanId, name: "saga.step reserve", startMs: Date.now(), durationMs: 3 }]);
 *   await fetch(`${storeUrl}/v1/traces`, { method: "POST", headers: { "content-type": "application/x-protobuf" }, body });
 */
import { traceExportType, type AttributeValue } from "../../telemetry/otlp-decode";

export interface SpanToExport {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string | null;
  name: string;
  kind?: number;
  startMs: number;
  durationMs: number;
  attributes?: Record<string, AttributeValue>;
  /** 2: error */
  statusCode?: number;
  statusMessage?: string;
  events?: { name: string; atMs: number; attributes?: Record<string, AttributeValue> }[];
}

function anyValue(value: AttributeValue): object {
  if (typeof value === "string") return { string_value: value };
  if (typeof value === "boolean") return { bool_value: value };
  if (typeof value === "number") return Number.isInteger(value) ? { int_value: value } : { double_value: value };
  if (Array.isArray(value)) return { array_value: { values: value.map(anyValue) } };
  return {};
}

const keyValues = (attributes: Record<string, AttributeValue> = {}) => Object.entries(attributes).map(([key, value]) => ({ key, value: anyValue(value) }));
const nanos = (ms: number) => (BigInt(Math.round(ms * 1000)) * 1000n).toString();

function spanMessage(span: SpanToExport) {
  return {
    trace_id: Buffer.from(span.traceId, "hex"),
    span_id: Buffer.from(span.spanId, "hex"),
    ...(span.parentSpanId ? { parent_span_id: Buffer.from(span.parentSpanId, "hex") } : {}),
    name: span.name,
    kind: span.kind ?? 1,
    start_time_unix_nano: nanos(span.startMs),
    end_time_unix_nano: nanos(span.startMs + span.durationMs),
    attributes: keyValues(span.attributes),
    events: (span.events ?? []).map((event) => ({ name: event.name, time_unix_nano: nanos(event.atMs), attributes: keyValues(event.attributes) })),
    status: { code: span.statusCode ?? 0, message: span.statusMessage ?? "" },
  };
}

/** One export request holding `spans`, grouped by service as an SDK groups them by resource. */
export function encodeTraceExport(spans: readonly SpanToExport[]): Uint8Array<ArrayBuffer> {
  const services = [...new Set(spans.map((span) => span.service))];
  const request = {
    resource_spans: services.map((service) => ({
      resource: { attributes: keyValues({ "service.name": service, "service.namespace": "bunmesh" }) },
      scope_spans: [{ scope: { name: "bunmesh" }, spans: spans.filter((span) => span.service === service).map(spanMessage) }],
    })),
  };
  return new Uint8Array(traceExportType.encode(traceExportType.fromObject(request)).finish());
}

export const randomHex = (length: number) => Array.from({ length }, () => Math.floor(Math.random() * 16).toString(16)).join("");
