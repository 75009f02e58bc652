import { describe, expect, it } from "vitest";
import { traceExportUrls } from "./sdk";

describe("where a worker exports its spans", () => {
  it("to the OTLP endpoint and to the mesh's trace store, each once; to neither with OTEL_TRACES_EXPORTER=none", () => {
    expect(traceExportUrls({})).toEqual([]);
    expect(traceExportUrls({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://jaeger:4318/" })).toEqual(["http://jaeger:4318/v1/traces"]);
    expect(traceExportUrls({ TRACE_STORE_URL: "http://127.0.0.1:4110/v1/traces" })).toEqual(["http://127.0.0.1:4110/v1/traces"]);
    expect(traceExportUrls({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector/v1/traces", TRACE_STORE_URL: "http://127.0.0.1:4110/v1/traces" })).toEqual([
      "http://collector/v1/traces",
      "http://127.0.0.1:4110/v1/traces",
    ]);
    expect(traceExportUrls({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4110", TRACE_STORE_URL: "http://127.0.0.1:4110/v1/traces" })).toEqual(["http://127.0.0.1:4110/v1/traces"]);
    expect(traceExportUrls({ OTEL_TRACES_EXPORTER: "none", TRACE_STORE_URL: "http://127.0.0.1:4110/v1/traces" })).toEqual([]);
  });
});
