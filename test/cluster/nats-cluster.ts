/**
 * A three-node NATS cluster on the test hosts: one Debian nats-server (2.9) per host, JetStream
 * on with its file store on that host's own disk, routes between the hosts' addresses. Clients
 * are given every server with their own host's first (`clientUrlsFor`).
 *
 * @example
 *   const cluster = await startNatsCluster(hosts);
 *   await cluster.node("h1").kill("SIGKILL"); await cluster.start("h1"); // same store, back in the cluster
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { HostProcess, TestHost } from "./hosts";

export const natsClientPort = 14222;
export const natsRoutePort = 16222;
export const natsClusterName = "bunmesh-test";
/** The monitoring port (`/connz`: which worker is connected to which server). */
export const natsMonitorPort = 18222;

export interface NatsCluster {
  hosts: TestHost[];
  node(host: string): HostProcess | undefined;
  /** Starts (or starts again) the host's server with its store kept; resolves once it serves clients. */
  start(host: string): Promise<HostProcess>;
  /** `nats://own:port,nats://other:port,…` for a client on `host`. */
  clientUrlsFor(host: string): string;
  /** Every server, for the driver in the root namespace. */
  allClientUrls(): string[];
}

const clientUrlOf = (host: TestHost) => `nats://${host.address}:${natsClientPort}`;

export async function startNatsCluster(hosts: TestHost[]): Promise<NatsCluster> {
  const nodes = new Map<string, HostProcess>();
  const hostNamed = (name: string) => {
    const host = hosts.find((candidate) => candidate.name === name);
    if (!host) throw new Error(`no test host ${name}`);
    return host;
  };
  const start = async (name: string) => {
    const host = hostNamed(name);
    const proc = host.spawn("nats-server", natsArgs(host, hosts), { name: `nats-${name}` });
    nodes.set(name, proc);
    await serving(proc);
    return proc;
  };
  await Promise.all(hosts.map((host) => start(host.name)));
  await metaLeaderElected(hosts[0]!);
  return {
    hosts,
    node: (name) => nodes.get(name),
    start,
    clientUrlsFor: (name) => [hostNamed(name), ...hosts.filter((host) => host.name !== name)].map(clientUrlOf).join(","),
    allClientUrls: () => hosts.map(clientUrlOf),
  };
}

function natsArgs(host: TestHost, hosts: TestHost[]): string[] {
  const storeDir = join(host.dir, "nats");
  mkdirSync(storeDir, { recursive: true });
  const routes = hosts.filter((other) => other !== host).map((other) => `nats-route://${other.address}:${natsRoutePort}`);
  return [
    ...["-n", `bm-${host.name}`, "-a", "0.0.0.0", "-p", String(natsClientPort), "-m", String(natsMonitorPort), "-js", "-sd", storeDir],
    ...["--cluster_name", natsClusterName, "--cluster", `nats://0.0.0.0:${natsRoutePort}`, "--routes", routes.join(",")],
  ];
}

async function serving(proc: HostProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!proc.output().includes("Server is ready")) {
    if (!proc.alive()) throw new Error(`${proc.name} exited before ready:\n${proc.output()}`);
    if (Date.now() > deadline) throw new Error(`${proc.name} not ready in 30 s:\n${proc.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** JetStream answers only once the cluster's meta group has a leader: until then every API call times out. */
async function metaLeaderElected(host: TestHost): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const jsz = await fetch(`http://${host.address}:${natsMonitorPort}/jsz`, { signal: AbortSignal.timeout(2_000) })
      .then((response) => response.json() as Promise<{ meta_cluster?: { leader?: string } }>)
      .catch(() => ({}) as { meta_cluster?: { leader?: string } });
    if (jsz.meta_cluster?.leader) return;
    if (Date.now() > deadline) throw new Error(`the NATS cluster elected no JetStream meta leader in 60 s (${host.address}:${natsMonitorPort}/jsz)`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
