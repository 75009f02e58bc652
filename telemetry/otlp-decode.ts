/**
 * Decodes an OTLP/HTTP protobuf trace export (what @opentelemetry/exporter-trace-otlp-proto sends
 * to `POST /v1/traces`) into flat spans, each with its resource's `service.name`. The schema is
 * the subset of opentelemetry-proto (collector/trace/v1, trace/v1, common/v1, resource/v1) that
 * spans need, read by protobufjs. The mesh's trace store and the tests' OTLP receiver both use it.
 *
 * @example
 *   const spans = decodeTraceExport(new Uint8Array(await request.arrayBuffer()));
 *   spans[0]; // { service: "users", traceId: "4bf9…", name: "POST /trpc/register", startNs: 17…n, … }
 */
import protobuf from "protobufjs";

const otlpProto = `
syntax = "proto3";
package otlp;
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message InstrumentationScope { string name = 1; string version = 2; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; string name = 5;
  int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9; uint32 dropped_attributes_count = 10; repeated Event events = 11;
  uint32 dropped_events_count = 12; Status status = 15; fixed32 flags = 16;
}
message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; }
message Status { string message = 2; int32 code = 3; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue {
  oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
    ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
`;

/** The request message, for decoding here and for tests that encode exports of their own. */
export const traceExportType = protobuf.parse(otlpProto, { keepCase: true }).root.lookupType("otlp.ExportTraceServiceRequest");

export type AttributeValue = string | number | boolean | null | AttributeValue[];

export interface ReceivedSpan {
  service: string;
  resource: Record<string, AttributeValue>;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  /** 1 internal, 2 server, 3 client, 4 producer, 5 consumer */
  kind: number;
  attributes: Record<string, AttributeValue>;
  events: { name: string; timeNs: bigint; attributes: Record<string, AttributeValue> }[];
  /** 0 unset, 1 ok, 2 error */
  statusCode: number;
  statusMessage: string;
  startNs: bigint;
  endNs: bigint;
}

export const spanKind = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;
export const statusCode = { unset: 0, ok: 1, error: 2 } as const;

type Decoded = Record<string, any>;

/**
 * The decoded message is read as it is (no toObject pass): proto3 leaves unset scalars at their
 * defaults, and 64-bit times arrive as Long values (or plain numbers without long.js).
 */
function valueOf(any: Decoded | null | undefined): AttributeValue {
  if (!any) return null;
  switch (any.value) {
    case "string_value":
      return any.string_value;
    case "bool_value":
      return any.bool_value;
    case "int_value":
      return Number(nanos(any.int_value));
    case "double_value":
      return any.double_value;
    case "array_value":
      return (any.array_value?.values ?? []).map(valueOf);
    default:
      return null;
  }
}

function attributesOf(list: Decoded[] | undefined): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  for (const kv of list ?? []) attributes[kv.key] = valueOf(kv.value);
  return attributes;
}

const hex = (bytes: Uint8Array | undefined) => (bytes && bytes.length > 0 ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("hex") : null);

/** A fixed64 as decoded (a Long with low and high words, or a number) to a bigint. */
function nanos(value: unknown): bigint {
  if (typeof value === "number") return BigInt(value);
  if (value && typeof value === "object" && "low" in value) {
    const { low, high } = value as { low: number; high: number };
    return (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
  }
  return BigInt(String(value ?? 0));
}

function spanOf(span: Decoded, service: string, resource: Record<string, AttributeValue>): ReceivedSpan {
  return {
    service,
    resource,
    traceId: hex(span.trace_id) ?? "",
    spanId: hex(span.span_id) ?? "",
    parentSpanId: hex(span.parent_span_id),
    name: span.name ?? "",
    kind: span.kind ?? 0,
    attributes: attributesOf(span.attributes),
    events: (span.events ?? []).map((e: Decoded) => ({ name: e.name ?? "", timeNs: nanos(e.time_unix_nano), attributes: attributesOf(e.attributes) })),
    statusCode: span.status?.code ?? 0,
    statusMessage: span.status?.message ?? "",
    startNs: nanos(span.start_time_unix_nano),
    endNs: nanos(span.end_time_unix_nano),
  };
}

/** Decodes one OTLP/HTTP protobuf trace export into flat spans; a body that is not one throws. */
export function decodeTraceExport(body: Uint8Array): ReceivedSpan[] {
  const request = traceExportType.decode(body) as unknown as Decoded;
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of request.resource_spans ?? []) {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    const service = String(resource["service.name"] ?? "");
    for (const scopeSpans of resourceSpans.scope_spans ?? []) {
      for (const span of scopeSpans.spans ?? []) spans.push(spanOf(span, service, resource));
    }
  }
  return spans;
}
