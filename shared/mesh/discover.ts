/**
 * Finds the workers to run: every folder `workers/<name>/` holding `main.ts` and `config.ts`.
 * Its place in the mesh comes from `placement.portOffset` in its config, so adding a worker is
 * copying a folder; the launcher needs no edit.
 *
 * @example const workers = await discoverWorkers(repoRoot, settings); // [{ name: "users", port: 4101, ... }]
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ZodType } from "zod";
import { ConfigError, parseWorkerConfig } from "../core/config";
import type { MeshSettings } from "./settings";
import type { ConsumedStream } from "./nats-auth";

export interface WorkerSpec {
  name: string;
  /** Entry file relative to the repository root, as `bun run` gets it. */
  entry: string;
  portOffset: number;
  port: number;
  host: string;
  /** Where peers and the launcher reach it. */
  url: string;
  /** portOffset 0 is the gateway: the public entry on GATEWAY_PORT. */
  isGateway: boolean;
  /** Its config schema (the `<name>ConfigSchema` its config.ts exports), for the launcher to check its env before starting it. */
  configSchema?: ZodType;
  /** Streams it consumes and its durable on each (`placement.consumes`): its NATS user may read only those, through only those durables. */
  consumes: ConsumedStream[];
}

export class MeshSetupError extends Error {
  override readonly name = "MeshSetupError";
}

/** The workers of a repository: every folder `workers/<name>/` holding `main.ts` and `config.ts`, by name. */
export function workerNamesIn(root: string): string[] {
  const workersDir = join(root, "workers");
  if (!existsSync(workersDir)) return [];
  return readdirSync(workersDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .filter((name) => existsSync(join(workersDir, name, "main.ts")) && existsSync(join(workersDir, name, "config.ts")))
    .sort();
}

export async function discoverWorkers(root: string, settings: MeshSettings): Promise<WorkerSpec[]> {
  const workersDir = join(root, "workers");
  const specs: WorkerSpec[] = [];
  for (const name of workerNamesIn(root)) {
    const configFile = join(workersDir, name, "config.ts");
    let config: { placement?: { portOffset?: unknown; consumes?: unknown } } & Record<string, unknown>;
    try {
      config = (await import(pathToFileURL(configFile).href)) as typeof config;
    } catch (error) {
      throw new MeshSetupError(`workers/${name}/config.ts could not be loaded: ${(error as Error).message}`, { cause: error });
    }
    const offset = config.placement?.portOffset;
    if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0) {
      throw new MeshSetupError(`workers/${name}/config.ts must export placement = { portOffset: <integer >= 0> }`);
    }
    const clash = specs.find((spec) => spec.portOffset === offset);
    if (clash) throw new MeshSetupError(`workers ${clash.name} and ${name} both have placement.portOffset ${offset}`);
    const consumes = config.placement?.consumes ?? [];
    if (!Array.isArray(consumes) || !consumes.every(isConsumedStream)) {
      throw new MeshSetupError(`workers/${name}/config.ts: placement.consumes must list worker names or { owner, durable } (durable: letters, digits, - or _)`);
    }
    const configSchema = Object.entries(config).find(([key, value]) => key.endsWith("ConfigSchema") && value instanceof ZodType)?.[1] as ZodType | undefined;
    specs.push({ ...specOf(name, offset, settings), consumes, ...(configSchema ? { configSchema } : {}) });
  }
  // The gateway starts last: it is the one that calls everybody else.
  return specs.sort((a, b) => Number(a.isGateway) - Number(b.isGateway) || a.portOffset - b.portOffset);
}

const tokenPattern = /^[A-Za-z0-9_-]+$/;

/** A worker name, or `{ owner, durable }` with names that are single NATS subject tokens. */
function isConsumedStream(entry: unknown): entry is ConsumedStream {
  if (typeof entry === "string") return tokenPattern.test(entry);
  const { owner, durable } = (entry ?? {}) as { owner?: unknown; durable?: unknown };
  return typeof owner === "string" && typeof durable === "string" && tokenPattern.test(owner) && tokenPattern.test(durable);
}

function specOf(name: string, portOffset: number, settings: MeshSettings): Omit<WorkerSpec, "consumes" | "configSchema"> {
  const isGateway = portOffset === 0;
  const port = isGateway ? settings.gatewayPort : settings.portBase + portOffset;
  const host = isGateway ? settings.gatewayHost : settings.host;
  return { name, entry: `workers/${name}/main.ts`, portOffset, port, host, url: `http://${urlHostOf(reachableHostOf(host, settings.advertiseHost))}:${port}`, isGateway };
}

/** Where a worker bound to `host` is reached: the advertised address when one is set, loopback for a wildcard bind, else the bound address. */
export function reachableHostOf(host: string, advertiseHost?: string): string {
  if (advertiseHost) return advertiseHost;
  return host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
}

/** A host as it goes into a URL (an IPv6 address in brackets). */
export function urlHostOf(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/**
 * The workers this host runs: all of them, or those `--workers` names (an unknown name is an
 * error listing the known ones).
 */
export function selectWorkers(specs: WorkerSpec[], names: readonly string[] | undefined): WorkerSpec[] {
  if (!names) return specs;
  const known = specs.map((spec) => spec.name);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new MeshSetupError(`--workers: unknown worker ${unknown.join(", ")}; the workers are ${known.join(", ")}`);
  return specs.filter((spec) => names.includes(spec.name));
}

/**
 * The environment one worker gets: the user's own, then DATA_DIR, PORT, HOST, NATS_URL,
 * STREAM_REPLICAS, MESH_PORT_BASE (and ADVERTISE_HOST when set).
 */
export function workerEnv(spec: WorkerSpec, settings: MeshSettings, natsUrl: string, baseEnv: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(baseEnv)) if (value !== undefined) env[key] = value;
  Object.assign(env, { DATA_DIR: settings.dataDir, PORT: String(spec.port), HOST: spec.host, NATS_URL: natsUrl, STREAM_REPLICAS: String(settings.streamReplicas) });
  // A peer that discovery cannot find is tried where this launcher would put it.
  env["MESH_PORT_BASE"] = String(settings.portBase);
  if (settings.advertiseHost) env["ADVERTISE_HOST"] = settings.advertiseHost;
  // The gateway reads GATEWAY_PORT/GATEWAY_HOST before PORT/HOST; keep both saying the same.
  if (spec.isGateway) Object.assign(env, { GATEWAY_PORT: String(spec.port), GATEWAY_HOST: spec.host });
  // No `<PEER>_URL`: peers are found through NATS (shared/rpc/peer-discovery.ts), wherever they run; one
  // the operator sets is passed through and pins that peer.
  return env;
}

/**
 * Checks each worker's environment against its own config schema before anything starts, so a bad
 * variable stops `npm start` once, named (with the workers it concerns), instead of a worker
 * exiting and being restarted over and over.
 */
export function checkWorkerConfigs(specs: readonly WorkerSpec[], envOf: (spec: WorkerSpec) => Record<string, string | undefined>): void {
  const workersByProblem = new Map<string, string[]>();
  for (const spec of specs) {
    if (!spec.configSchema) continue;
    try {
      parseWorkerConfig(spec.configSchema, envOf(spec));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const problem of error.problems) workersByProblem.set(problem, [...(workersByProblem.get(problem) ?? []), spec.name]);
    }
  }
  if (workersByProblem.size > 0) throw new ConfigError([...workersByProblem].map(([problem, workers]) => `${problem} [${workers.join(", ")}]`));
}
