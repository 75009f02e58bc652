import { describe, expect, it } from "vitest";
import { parseConfig, ConfigError } from "../../core/config";
import type { WorkerSpec } from "../discover";
import { readMeshSettings } from "../settings";
import { telemetryConfigSchema } from "./config";
import { telemetryProcessEnv, telemetrySpecOf, telemetryWorkerEnv, traceStoreIsOn } from "./launch";

const settings = readMeshSettings({ DATA_DIR: "/tmp/mesh", MESH_PORT_BASE: "5100" });
const worker = (name: string, port: number, isGateway = false) => ({ name, port, url: `http://127.0.0.1:${port}`, isGateway }) as WorkerSpec;

describe("the telemetry process in the launcher", () => {
  it("keeps the store on unless an OTLP endpoint is set (auto), or as TRACE_STORE says", () => {
    expect(traceStoreIsOn("auto", {})).toBe(true);
    expect(traceStoreIsOn("auto", { OTEL_EXPORTER_OTLP_ENDPOINT: "http://jaeger:4318" })).toBe(false);
    expect(traceStoreIsOn("auto", { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c/v1/traces" })).toBe(false);
    expect(traceStoreIsOn("auto", { OTEL_EXPORTER_OTLP_ENDPOINT: " " })).toBe(true);
    expect(traceStoreIsOn("on", { OTEL_EXPORTER_OTLP_ENDPOINT: "http://jaeger:4318" })).toBe(true);
    expect(traceStoreIsOn("off", {})).toBe(false);
    expect(() => readMeshSettings({ TRACE_STORE: "sometimes" })).toThrow(/TRACE_STORE/);
  });

  it("sits at MESH_PORT_BASE + 10 on loopback, scrapes every worker, and points workers and the gateway at itself", () => {
    const workers = [worker("users", 5101), worker("gateway", 3000, true)];
    const spec = telemetrySpecOf(settings, workers);
    expect(spec).toMatchObject({ name: "telemetry", port: 5110, url: "http://127.0.0.1:5110", entry: "shared/mesh/telemetry/main.ts" });
    expect(telemetryProcessEnv(spec, settings, workers)).toMatchObject({ PORT: "5110", HOST: "127.0.0.1", SCRAPE_TARGETS: "users=http://127.0.0.1:5101,gateway=http://127.0.0.1:3000" });
    expect(telemetryWorkerEnv(spec, workers[0]!, true)).toEqual({ TRACE_STORE_URL: "http://127.0.0.1:5110/v1/traces" });
    expect(telemetryWorkerEnv(spec, workers[1]!, false)).toEqual({ TELEMETRY_URL: "http://127.0.0.1:5110" });
    expect(() => telemetrySpecOf(settings, [worker("clash", 5110)])).toThrow(/clash is on port 5110, where the telemetry process goes/);
  });

  it("names every bad setting of the store and the scraper", () => {
    const problems = (env: Record<string, string>) => {
      try {
        parseConfig(telemetryConfigSchema, env);
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(problems({ TRACE_STORE_MAX_TRACES: "0", TRACE_STORE_MAX_AGE: "soon", SCRAPE_TARGETS: "users=ftp://x,=http://a:1" })).toEqual([
      expect.stringMatching(/^TRACE_STORE_MAX_TRACES: /),
      expect.stringMatching(/^TRACE_STORE_MAX_AGE: not an interval: "soon"/),
      expect.stringMatching(/^SCRAPE_TARGETS: each entry must be name=http:\/\/host:port \(bad: users=ftp:\/\/x, =http:\/\/a:1\)/),
    ]);
    expect(parseConfig(telemetryConfigSchema, { SCRAPE_TARGETS: "users=http://127.0.0.1:4101/" }).SCRAPE_TARGETS).toEqual([{ name: "users", url: "http://127.0.0.1:4101" }]);
  });
});
