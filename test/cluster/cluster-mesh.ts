/**
 * The mesh spread over the test hosts: each worker a Bun process started inside its host's
 * namespace (`ip netns exec bm-hN bun run workers/<w>/main.ts`), bound to the host's address on
 * its usual port, with its host's DATA_DIR (its SQLite file stays on that host's disk), NATS_URL
 * listing all three servers with its own host's first, STREAM_REPLICAS=3 and no `<PEER>_URL`:
 * peers are found through NATS. Two gateways (A on h1, B on h3) serve at once.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { bunBin, repoRoot } from "../support/processes";
import type { HostProcess, TestHost } from "./hosts";
import type { NatsCluster } from "./nats-cluster";

export const workerPorts = { gateway: 3000, users: 4101, catalog: 4102, inventory: 4103, payments: 4104, orders: 4105, reporting: 4106 } as const;
export type ClusterWorker = keyof typeof workerPorts;
/** A running worker is named by what it is, plus a letter for the gateway's replicas ("gateway-a"). */
export type Instance = ClusterWorker | "gateway-a" | "gateway-b";

export const initialPlacement: Record<string, Instance[]> = {
  h1: ["users", "catalog", "gateway-a"],
  h2: ["inventory", "payments"],
  h3: ["orders", "reporting", "gateway-b"],
};

export interface RunningInstance {
  instance: Instance;
  worker: ClusterWorker;
  host: TestHost;
  proc: HostProcess;
  url: string;
}

export interface ClusterMesh {
  running: Map<Instance, RunningInstance>;
  /** Where the instance runs now (throws if it does not run). */
  url(instance: Instance): string;
  hostOf(instance: Instance): TestHost | undefined;
  start(instance: Instance, host: TestHost, options?: { waitReady?: boolean }): Promise<RunningInstance>;
  stop(instance: Instance, signal?: NodeJS.Signals): Promise<void>;
}

export const workerOf = (instance: Instance): ClusterWorker => (instance.startsWith("gateway") ? "gateway" : (instance as ClusterWorker));

/** The environment every worker gets, without any `<PEER>_URL` the driver's own environment might hold. */
function envOf(worker: ClusterWorker, host: TestHost, nats: NatsCluster, extra: Record<string, string>): Record<string, string | undefined> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/_URL$/.test(name) || name === "OTEL_EXPORTER_OTLP_ENDPOINT"));
  return {
    ...inherited,
    LOG_LEVEL: "warn",
    ...extra,
    DATA_DIR: join(host.dir, "data"),
    HOST: host.address,
    PORT: String(workerPorts[worker]),
    ...(worker === "gateway" ? { GATEWAY_HOST: host.address, GATEWAY_PORT: String(workerPorts.gateway) } : {}),
    MESH_HOST_NAME: host.namespace,
    NATS_URL: nats.clientUrlsFor(host.name),
    STREAM_REPLICAS: "3",
  };
}

export function createClusterMesh(nats: NatsCluster, extraEnv: Record<string, string>): ClusterMesh {
  const running = new Map<Instance, RunningInstance>();
  const start = async (instance: Instance, host: TestHost, options: { waitReady?: boolean } = {}) => {
    const worker = workerOf(instance);
    mkdirSync(join(host.dir, "data"), { recursive: true });
    const proc = host.spawn(bunBin, ["run", `workers/${worker}/main.ts`], { name: `${instance}@${host.name}`, cwd: repoRoot, env: envOf(worker, host, nats, extraEnv) });
    const entry = { instance, worker, host, proc, url: `http://${host.address}:${workerPorts[worker]}` };
    running.set(instance, entry);
    if (options.waitReady !== false) await ready(entry, 180_000);
    return entry;
  };
  return {
    running,
    url: (instance) => {
      const entry = running.get(instance);
      if (!entry) throw new Error(`${instance} is not running`);
      return entry.url;
    },
    hostOf: (instance) => running.get(instance)?.host,
    start,
    async stop(instance, signal = "SIGTERM") {
      await running.get(instance)?.proc.kill(signal);
      running.delete(instance);
    },
  };
}

/** Waits until the instance answers ready (its process exiting first fails with its output). */
export async function ready(entry: RunningInstance, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!entry.proc.alive()) throw new Error(`${entry.instance} on ${entry.host.name} exited before ready:\n${entry.proc.output().slice(-4_000)}`);
    if (await answersReady(entry.url)) return;
    if (Date.now() > deadline) throw new Error(`${entry.instance} on ${entry.host.name} not ready in ${timeoutMs} ms:\n${entry.proc.output().slice(-4_000)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function answersReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Starts the initial placement: peers before the callers (orders, then the gateways). */
export async function startPlacement(mesh: ClusterMesh, hosts: TestHost[]): Promise<void> {
  const hostNamed = (name: string) => hosts.find((host) => host.name === name)!;
  const placed = Object.entries(initialPlacement).flatMap(([host, instances]) => instances.map((instance) => ({ instance, host: hostNamed(host) })));
  const callers: Instance[] = ["orders", "gateway-a", "gateway-b"];
  for (const { instance, host } of placed.filter((entry) => !callers.includes(entry.instance))) await mesh.start(instance, host);
  for (const caller of callers) await mesh.start(caller, placed.find((entry) => entry.instance === caller)!.host);
}
