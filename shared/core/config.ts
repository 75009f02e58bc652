// shared/core/ — the kit's base, imported by every other part: config from the environment, errors,
// logger, request scope, ids, loops, secrets and the mesh's port placement. It imports no other part.
/**
 * Worker configuration from the environment, parsed once by a zod schema. Every bad variable is
 * named in one message, so an operator fixes them all in one go.
 *
 * @example
 *   const schema = workerConfigSchema(defaultPortOf(placement)).extend({ USERS_URL: peerUrl(usersPlacement) }); // { pinned?, portOffset }
 *   const config = parseConfig(schema, process.env); // throws ConfigError naming each bad variable
 */
import { z } from "zod";
import { minimumSecretLength, readSecretFile } from "./secrets";
import { defaultMeshPortBase, type Placement } from "./placement";
import { retentionProblems, retentionSettings } from "./retention";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

export function parseConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.join(".") || "(environment)";
    const value = issue.path.length === 1 ? env[String(issue.path[0])] : undefined;
    const shown = value === undefined || isSecretVariable(String(issue.path[0])) ? "" : ` (got ${JSON.stringify(value)})`;
    return `${variable}: ${issue.message}${shown}`;
  });
  throw new ConfigError(problems);
}

/** A worker's config: parseConfig, then the rules between its settings (the retentions'), every problem named. */
export function parseWorkerConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.output<S> {
  const config = parseConfig(schema, env);
  const problems = retentionProblems(config as Parameters<typeof retentionProblems>[0]);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Variables whose values are never echoed back in a configuration error. */
export function isSecretVariable(name: string): boolean {
  return /SECRET|PASSWORD|TOKEN|API_KEY|CREDENTIALS/i.test(name);
}

const port = z.coerce.number().int().min(0).max(65535);
const positiveMs = z.coerce.number().int().positive();

/** One NATS server address in a NATS_URL list: `nats://host:port`, `tls://host:port` or `host:port`. */
const natsServerPattern = /^((nats|tls|ws|wss):\/\/)?([^\s,:/@]+(:[^\s,:/@]*)?@)?(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(:\d{1,5})?$/;

/** The servers of a NATS_URL: a comma-separated list (spaces around the commas allowed), as nats.js `servers` takes them. */
export function natsServersOf(natsUrl: string): string[] {
  return natsUrl
    .split(",")
    .map((server) => server.trim())
    .filter((server) => server.length > 0);
}

/**
 * NATS_URL: one server or a comma-separated list of them (the nodes of a NATS cluster; the
 * connection goes to one and moves to another when it is lost).
 */
export const natsUrlSetting = z
  .string()
  .min(1)
  .refine((value) => natsServersOf(value).length > 0 && natsServersOf(value).every((server) => natsServerPattern.test(server)), {
    message: "must be a NATS server URL or a comma-separated list of them (nats://host:port,nats://host2:port)",
  });

/** STREAM_REPLICAS: copies JetStream keeps of each stream (1 on one server, 3 on a cluster of three). */
export const streamReplicasSetting = z.coerce.number().int().min(1).max(5).default(1);

/** Env variable name holding a peer's base URL, e.g. `CATALOG_URL`. */
export function peerUrlVariable(peer: string): string {
  return `${peer.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_URL`;
}

/**
 * The variables every worker takes. `PORT` defaults to the worker's place in the mesh;
 * internal workers bind to loopback unless `HOST` says otherwise.
 */
export function workerConfigSchema(defaultPort: number, defaultHost = "127.0.0.1") {
  return z.object({
    DATA_DIR: z.string().min(1).default("./.data"),
    HOST: z.string().min(1).default(defaultHost),
    PORT: port.default(defaultPort),
    NATS_URL: natsUrlSetting.default("nats://127.0.0.1:4222"),
    /** Copies of the worker's stream and of the dead letters the cluster keeps (shared/events/streams.ts). */
    STREAM_REPLICAS: streamReplicasSetting,
    /** The HTTP base URL peers should call this worker at, registered with its NATS service; default from ADVERTISE_HOST or HOST and the port. */
    ADVERTISE_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** The address peers reach this host at (when HOST is 0.0.0.0 or a name other hosts cannot resolve). */
    ADVERTISE_HOST: z.string().min(1).optional(),
    /** The host's name in the service registry and `mesh status` (default: os.hostname()). */
    MESH_HOST_NAME: z.string().min(1).optional(),
    /** Where the launcher puts internal ports: a peer that discovery cannot find is tried at 127.0.0.1:MESH_PORT_BASE+portOffset. */
    MESH_PORT_BASE: port.default(defaultMeshPortBase),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    PEER_TIMEOUT_MS: positiveMs.default(2000),
    /** The longest a read of a read model waits for the events of its consistency token before answering 503 (0: never waits). */
    READ_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(2000),
    SHUTDOWN_GRACE_MS: positiveMs.default(10_000),
    SQLITE_SYNCHRONOUS: z.enum(["NORMAL", "FULL"]).default("NORMAL"),
    /** How long each kind of data is kept (shared/core/retention.ts; README "Retention"). */
    ...retentionSettings,
    /** Each procedure's result checked against its output schema (shared/rpc/trpc.ts `answers`): a drifted answer fails as a 500 naming the field. */
    OUTPUT_VALIDATION: z.enum(["on", "off"]).default("on"),
    /** The mesh's service-token secret, or a file holding it (shared/rpc/identity.ts); neither: checks off. */
    MESH_TOKEN_SECRET: z.string().min(1).refine(longEnough, `must be at least ${minimumSecretLength} bytes`).optional(),
    MESH_TOKEN_SECRET_FILE: secretFile("MESH_TOKEN_SECRET_FILE", { minimumBytes: minimumSecretLength }).optional(),
    /** Largest request body accepted (bytes); larger → 413. */
    BODY_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(256 * 1024),
    /** The mesh's own trace store (OTLP/HTTP traces URL), where spans go besides OTEL_EXPORTER_OTLP_ENDPOINT; the launcher sets it (telemetry/sdk.ts reads it). */
    TRACE_STORE_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** This worker's NATS user (the launcher's nats-server config has one per worker). */
    NATS_USER: z.string().min(1).optional(),
    NATS_PASSWORD: z.string().min(1).optional(),
    NATS_PASSWORD_FILE: secretFile("NATS_PASSWORD_FILE").optional(),
  });
}

const longEnough = (secret: string) => new TextEncoder().encode(secret).length >= minimumSecretLength;

/**
 * A path to a secret file, checked at parse time so an unreadable file or a short secret in it is
 * named with every other bad variable (by the path, never the content).
 */
export function secretFile(variable: string, options: { minimumBytes?: number } = {}) {
  return z
    .string()
    .min(1)
    .superRefine((path, context) => {
      let secret: string;
      try {
        secret = readSecretFile(path, variable);
      } catch (error) {
        return void context.addIssue({ code: "custom", message: (error as Error).message.replace(`${variable}: `, "") });
      }
      if (options.minimumBytes && new TextEncoder().encode(secret).length < options.minimumBytes) {
        context.addIssue({ code: "custom", message: `the secret in ${path} must be at least ${options.minimumBytes} bytes` });
      }
    });
}

/**
 * A peer's URL variable: set (an http(s) URL), it pins the peer there; unset, the peer is found
 * through NATS (shared/rpc/peer-discovery.ts), at its placement's default until found.
 */
export function peerUrl(peer: Placement) {
  return z
    .url({ protocol: /^https?$/ })
    .optional()
    .transform((url): PeerSetting => ({ ...(url ? { pinned: url } : {}), portOffset: peer.portOffset }));
}

/** A parsed `<PEER>_URL`: the pinned URL when set, and the peer's port offset for the default. */
export interface PeerSetting {
  pinned?: string;
  portOffset: number;
}

/** Where a peer is when no `<PEER>_URL` pins it and discovery has not found it: loopback, MESH_PORT_BASE + its offset. */
export function fallbackUrlOf(setting: PeerSetting, meshPortBase: number): string {
  return `http://127.0.0.1:${meshPortBase + setting.portOffset}`;
}

export type WorkerConfig = z.output<ReturnType<typeof workerConfigSchema>>;
