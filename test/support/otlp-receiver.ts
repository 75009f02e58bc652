/**
 * A real OTLP/HTTP trace receiver for tests: a node:http server taking `POST /v1/traces` with a
 * protobuf body (what @opentelemetry/exporter-trace-otlp-proto sends), decoding it with the
 * OTLP schema below (protobufjs) and keeping every span, with its resource's service.name.
 *
 * @example
 *   const receiver = await startOtlpReceiver();
 *   startWorker("users", { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
 *   const spans = await receiver.waitForSpans((all) => all.some((s) => s.name === "trpc.server register"));
 */
import { createServer, type Server } from "node:http";
import protobuf from "protobufjs";
import { waitFor } from "./processes";

// The subset of opentelemetry-proto (collector/trace/v1, trace/v1, common/v1, resource/v1) spans need.
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

const requestType = protobuf.parse(otlpProto, { keepCase: true }).root.lookupType("otlp.ExportTraceServiceRequest");

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
  events: { name: string; attributes: Record<string, AttributeValue> }[];
  /** 0 unset, 1 ok, 2 error */
  statusCode: number;
  statusMessage: string;
  startNs: bigint;
  endNs: bigint;
}

export const spanKind = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;
export const statusCode = { unset: 0, ok: 1, error: 2 } as const;

type Decoded = Record<string, any>;

function valueOf(any: Decoded | undefined): AttributeValue {
  if (!any) return null;
  if (any.string_value !== undefined) return any.string_value;
  if (any.bool_value !== undefined) return any.bool_value;
  if (any.int_value !== undefined) return Number(any.int_value);
  if (any.double_value !== undefined) return any.double_value;
  if (any.array_value !== undefined) return (any.array_value.values ?? []).map(valueOf);
  return null;
}

function attributesOf(list: Decoded[] | undefined): Record<string, AttributeValue> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, valueOf(kv.value)]));
}

const hex = (bytes: Uint8Array | undefined) => (bytes && bytes.length > 0 ? Buffer.from(bytes).toString("hex") : null);

/** Decodes one OTLP/HTTP protobuf trace export into flat spans. */
export function decodeTraceExport(body: Uint8Array): ReceivedSpan[] {
  const request = requestType.toObject(requestType.decode(body), { longs: String, defaults: false }) as Decoded;
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of request.resource_spans ?? []) {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scope_spans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        spans.push({
          service: String(resource["service.name"] ?? ""),
          resource,
          traceId: hex(span.trace_id) ?? "",
          spanId: hex(span.span_id) ?? "",
          parentSpanId: hex(span.parent_span_id),
          name: span.name,
          kind: span.kind ?? 0,
          attributes: attributesOf(span.attributes),
          events: (span.events ?? []).map((e: Decoded) => ({ name: e.name, attributes: attributesOf(e.attributes) })),
          statusCode: span.status?.code ?? 0,
          statusMessage: span.status?.message ?? "",
          startNs: BigInt(span.start_time_unix_nano ?? 0),
          endNs: BigInt(span.end_time_unix_nano ?? 0),
        });
      }
    }
  }
  return spans;
}

export interface OtlpReceiver {
  /** Base URL, for OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  spans: ReceivedSpan[];
  /** Export requests received (each one a POST). */
  requests: number;
  /** Waits until `ready(spans)` holds; returns the spans then. */
  waitForSpans(ready: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const receiver = { spans: [] as ReceivedSpan[], requests: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/traces") {
        res.writeHead(404).end();
        return;
      }
      try {
        receiver.spans.push(...decodeTraceExport(Buffer.concat(chunks)));
        receiver.requests += 1;
        // An empty ExportTraceServiceResponse: full success.
        res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
      } catch (error) {
        res.writeHead(400, { "content-type": "text/plain" }).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    get spans() {
      return receiver.spans;
    },
    get requests() {
      return receiver.requests;
    },
    waitForSpans: (ready, timeoutMs = 15_000) => waitFor("spans at the OTLP receiver", async () => (ready(receiver.spans) ? receiver.spans : undefined), timeoutMs),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
