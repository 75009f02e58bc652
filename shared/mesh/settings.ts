/**
 * The launcher's own settings, read from the environment once by a zod schema (every bad
 * variable named in one message). Workers get their own variables from these.
 *
 * @example const settings = readMeshSettings(process.env); // settings.dataDir is absolute
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { natsUrlSetting, parseConfig, streamReplicasSetting } from "../core/config";

/** The repository root: workers are found under `<root>/workers` and run with it as cwd. */
export const repoRoot = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");

const port = z.coerce.number().int().min(1).max(65535);

const meshEnvSchema = z.object({
  DATA_DIR: z.string().min(1).default("./.data"),
  NATS_URL: natsUrlSetting.default("nats://127.0.0.1:4222"),
  MESH_PORT_BASE: port.default(4100),
  GATEWAY_PORT: port.default(3000),
  // The gateway is the one public entry, so the only worker listening beyond loopback by default;
  // GATEWAY_HOST=127.0.0.1 keeps it on this machine.
  GATEWAY_HOST: z.string().min(1).default("0.0.0.0"),
  // Internal workers bind here: loopback on one machine, the host's address (or 0.0.0.0) when
  // workers on other hosts call them.
  HOST: z.string().min(1).default("127.0.0.1"),
  // The address peers on other hosts reach this one at (when HOST is 0.0.0.0): workers register it with their NATS service.
  ADVERTISE_HOST: z.string().min(1).optional(),
  STREAM_REPLICAS: streamReplicasSetting,
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(10_000),
  // `json` keeps the workers' JSON log lines as they are even on a terminal (pretty there otherwise).
  LOG_FORMAT: z.enum(["pretty", "json"]).optional(),
  // The embedded trace store: auto = on unless an OTLP endpoint is set (then spans go there alone); on keeps both.
  TRACE_STORE: z.enum(["on", "off", "auto"]).default("auto"),
});

export interface MeshSettings {
  dataDir: string;
  natsUrl: string;
  portBase: number;
  gatewayPort: number;
  gatewayHost: string;
  /** HOST: the address internal workers bind. */
  host: string;
  /** ADVERTISE_HOST: the address other hosts call this host's workers at, when set. */
  advertiseHost?: string;
  /** STREAM_REPLICAS, passed to every worker. */
  streamReplicas: number;
  /** How long a worker may take to stop after SIGTERM before the launcher SIGKILLs it. */
  stopTimeoutMs: number;
  /** LOG_FORMAT: `json` keeps JSON lines on a terminal; unset, pretty on a terminal and JSON elsewhere. */
  logFormat?: "pretty" | "json";
  /** TRACE_STORE: whether workers send spans to the telemetry process's store too (shared/mesh/telemetry/launch.ts). */
  traceStore: "on" | "off" | "auto";
}

export function readMeshSettings(env: Record<string, string | undefined>): MeshSettings {
  const parsed = parseConfig(meshEnvSchema, env);
  return {
    dataDir: resolve(parsed.DATA_DIR),
    natsUrl: parsed.NATS_URL,
    portBase: parsed.MESH_PORT_BASE,
    gatewayPort: parsed.GATEWAY_PORT,
    gatewayHost: parsed.GATEWAY_HOST,
    host: parsed.HOST,
    ...(parsed.ADVERTISE_HOST ? { advertiseHost: parsed.ADVERTISE_HOST } : {}),
    streamReplicas: parsed.STREAM_REPLICAS,
    // Workers use SHUTDOWN_GRACE_MS for in-flight requests; give them a little more to close up.
    stopTimeoutMs: parsed.SHUTDOWN_GRACE_MS + 2_000,
    ...(parsed.LOG_FORMAT ? { logFormat: parsed.LOG_FORMAT } : {}),
    traceStore: parsed.TRACE_STORE,
  };
}
