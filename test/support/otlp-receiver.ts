/**
 * A real OTLP/HTTP trace receiver for tests: a node:http server taking `POST /v1/traces` with a
 * protobuf body (what @opentelemetry/exporter-trace-otlp-proto sends), decoding it as the mesh's
 * trace store does (telemetry/otlp-decode.ts) and keeping every span, with its resource's service.name.
 *
 * @example
 *   const receiver = await startOtlpReceiver();
 *   startWorker("users", { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
 *   const spans = await receiver.waitForSpans((all) => all.some((s) => s.name === "trpc.server register"));
 */
import { createServer, type Server } from "node:http";
import { decodeTraceExport, type ReceivedSpan } from "../../telemetry/otlp-decode";
import { waitFor } from "./processes";

export { decodeTraceExport, spanKind, statusCode, type AttributeValue, type ReceivedSpan } from "../../telemetry/otlp-decode";

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
