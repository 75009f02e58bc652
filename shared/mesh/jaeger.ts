/**
 * Jaeger next to the mesh, like nats-server: when no OTLP endpoint is configured and a `jaeger`
 * (v2) or `jaeger-all-in-one` (v1) binary is on PATH, the launcher starts it with its data under
 * DATA_DIR and points every worker's OTLP exporter at it (OTLP/HTTP on 4318, UI on 16686).
 * With an endpoint configured, or no binary, nothing is started and nothing is said loudly:
 * tracing export is optional.
 */
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { canConnect, stopChild } from "./nats";
import type { MeshOutput } from "./output";
import { envWithoutSecrets } from "./secrets";

export interface JaegerHandle {
  /** OTLP/HTTP endpoint for the workers, when a Jaeger was started here. */
  otlpEndpoint?: string;
  uiUrl?: string;
  pid: number | null;
  stop(): Promise<void>;
}

const none: JaegerHandle = { pid: null, stop: async () => {} };

export async function ensureJaeger(dataDir: string, env: Record<string, string | undefined>, output: MeshOutput): Promise<JaegerHandle> {
  if (env["OTEL_EXPORTER_OTLP_ENDPOINT"] || env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]) return none;
  const binary = Bun.which("jaeger") ?? Bun.which("jaeger-all-in-one");
  if (!binary) return none;
  if (await canConnect("127.0.0.1", 4318, 300)) {
    output.say("mesh", "something already listens on 127.0.0.1:4318; sending traces there (OTLP/HTTP)");
    return { otlpEndpoint: "http://127.0.0.1:4318", uiUrl: "http://127.0.0.1:16686", pid: null, stop: async () => {} };
  }
  const storeDir = join(dataDir, "jaeger");
  mkdirSync(storeDir, { recursive: true });
  output.say("mesh", `starting ${binary} for traces (OTLP/HTTP 127.0.0.1:4318, UI http://127.0.0.1:16686)`);
  // v1 needs OTLP switched on; v2 has it on by default. Own process group, stopped after the workers.
  const child = spawn(binary, [], {
    cwd: storeDir,
    detached: true,
    env: { ...envWithoutSecrets(env), COLLECTOR_OTLP_ENABLED: "true" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let exited = false;
  child.once("exit", () => (exited = true));
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && !exited) {
    if (await canConnect("127.0.0.1", 4318, 300)) {
      return { otlpEndpoint: "http://127.0.0.1:4318", uiUrl: "http://127.0.0.1:16686", pid: child.pid ?? null, stop: () => stopChild(child, 5_000) };
    }
    await Bun.sleep(100);
  }
  if (!exited) await stopChild(child, 2_000);
  output.warn("mesh", `${binary} did not open OTLP on 127.0.0.1:4318; traces are not exported`);
  return none;
}
