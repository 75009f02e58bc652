/**
 * The cluster suite's faults, each timed from the fault (or the end of the outage it makes) until
 * the mesh has recovered from it, as RESULTS.md reports:
 * - the nats-server the workers of a host are connected to is SIGKILLed: they move to another
 *   node, their outboxes drain; then it starts again and catches up;
 * - a host's link is cut for longer than the peer deadline and restored;
 * - every process of a host is SIGKILLed and started again (its SQLite files stay on its disk);
 * - one gateway replica is SIGKILLed for good.
 */
import { workerOf, type ClusterMesh, type Instance } from "./cluster-mesh";
import type { TestHost } from "./hosts";
import type { NatsCluster } from "./nats-cluster";
import type { ClusterObserver } from "./observe";

export interface FaultRecord {
  fault: string;
  /** When it began (ms since the epoch) and how long the outage itself lasted (0 for a kill). */
  at: number;
  outageMs: number;
  /** From the end of the outage until recovered (`recovered` says what that means). */
  recoveryMs: number;
  recovered: string;
  notes: string[];
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every 200 ms until it returns true; throws naming `what` after `timeoutMs`. */
export async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`not recovered in ${timeoutMs / 1000} s: ${what}`);
    await sleep(200);
  }
}

/** A worker's /health/ready body (any status), or undefined when it does not answer. */
export async function healthOf(url: string): Promise<Record<string, any> | undefined> {
  try {
    const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
    return { ...((await response.json()) as Record<string, any>), httpStatus: response.status };
  } catch {
    return undefined;
  }
}

/** Ready, connected to NATS and its outbox empty. */
export async function settled(url: string): Promise<boolean> {
  const health = await healthOf(url);
  return health?.["httpStatus"] === 200 && (health["nats"]?.status ?? "connected") === "connected" && (health["outbox"]?.pending ?? 0) === 0;
}

export interface FaultContext {
  mesh: ClusterMesh;
  cluster: NatsCluster;
  observer: ClusterObserver;
  hosts: TestHost[];
}

const instancesOn = (mesh: ClusterMesh, host: TestHost): Instance[] => [...mesh.running.values()].filter((entry) => entry.host === host).map((entry) => entry.instance);

async function allSettled(mesh: ClusterMesh, instances: Instance[]): Promise<boolean> {
  return (await Promise.all(instances.map((instance) => settled(mesh.url(instance))))).every(Boolean);
}

/**
 * SIGKILLs the nats-server `worker` is connected to (orders: its outbox is the busiest, and reporting
 * counts what it publishes); every worker connected there must reconnect to another node and drain
 * its outbox. Then the server starts again and catches up.
 */
export async function killNatsUnderWorkers({ mesh, cluster, observer }: FaultContext, worker: Instance): Promise<FaultRecord[]> {
  const connections = await observer.connections();
  const [server, before] = [...connections].find(([, names]) => names.includes(workerOf(worker))) ?? [];
  if (!server || !before) throw new Error(`${worker} is connected to no nats-server (${JSON.stringify([...connections])})`);
  const host = cluster.hosts.find((candidate) => candidate.name === server)!;
  // The gateway replicas share one connection name and publish nothing: the owners of outboxes are what must move.
  const movers = [...mesh.running.keys()].filter((instance) => !instance.startsWith("gateway") && before.includes(workerOf(instance)));
  const at = Date.now();
  let largestOutbox = 0;
  await cluster.node(host.name)!.kill("SIGKILL");
  await until(`${movers.join(", ")} connected to another node with empty outboxes`, async () => {
    for (const instance of movers) largestOutbox = Math.max(largestOutbox, (await healthOf(mesh.url(instance)))?.["outbox"]?.pending ?? 0);
    const elsewhere = [...(await observer.connections())].filter(([name]) => name !== host.name).flatMap(([, names]) => names);
    return movers.every((instance) => elsewhere.includes(workerOf(instance))) && (await allSettled(mesh, movers));
  });
  const moved = Date.now();
  const killed: FaultRecord = {
    fault: `SIGKILL nats-server on ${host.name}, the one ${worker} is connected to (serving ${before.filter((name) => name !== "cluster-driver").join(", ")})`,
    at,
    outageMs: 0,
    recoveryMs: moved - at,
    recovered: `${movers.join(", ")} reconnected to another node, outboxes drained (largest backlog seen ${largestOutbox})`,
    notes: [],
  };
  await sleep(2_000);
  const restartedAt = Date.now();
  await cluster.start(host.name);
  await until("every stream's replicas current", () => observer.streamsHealthy());
  const rejoined: FaultRecord = {
    fault: `nats-server on ${host.name} started again (down ${Math.round((restartedAt - at) / 1000)} s)`,
    at: restartedAt,
    outageMs: restartedAt - at,
    recoveryMs: Date.now() - restartedAt,
    recovered: "it rejoined the cluster; every stream's replicas current",
    notes: [],
  };
  return [killed, rejoined];
}

/** The host's link down for `cutMs`, then up: its workers answer, drain their outboxes, and every stream is whole again. */
export async function cutLink({ mesh, observer }: FaultContext, host: TestHost, cutMs: number): Promise<FaultRecord> {
  const on = instancesOn(mesh, host);
  const at = Date.now();
  host.cut();
  await sleep(cutMs);
  host.restore();
  const restored = Date.now();
  await until(`${on.join(", ")} on ${host.name} settled and streams whole`, async () => (await allSettled(mesh, on)) && (await observer.streamsHealthy()));
  return {
    fault: `link of ${host.name} (${on.join(", ")} and its nats-server) cut`,
    at,
    outageMs: restored - at,
    recoveryMs: Date.now() - restored,
    recovered: `${on.join(", ")} ready with empty outboxes, every stream's replicas current`,
    notes: [],
  };
}

/** SIGKILLs every process on the host, then starts its nats-server and its workers again on the same disk. */
export async function killHost({ mesh, cluster, observer }: FaultContext, host: TestHost, downMs: number): Promise<FaultRecord> {
  const on = instancesOn(mesh, host);
  const killedProcesses = host.processes().map((proc) => `${proc.name} (pid ${proc.pid})`);
  const at = Date.now();
  await host.killAll();
  for (const instance of on) mesh.running.delete(instance);
  await sleep(downMs);
  const restartedAt = Date.now();
  await cluster.start(host.name);
  await Promise.all(on.map((instance) => mesh.start(instance, host)));
  await until(`${on.join(", ")} settled and streams whole`, async () => (await allSettled(mesh, on)) && (await observer.streamsHealthy()));
  return {
    fault: `SIGKILL every process on ${host.name}: ${killedProcesses.join(", ")}`,
    at,
    outageMs: restartedAt - at,
    recoveryMs: Date.now() - restartedAt,
    recovered: `nats-server and ${on.join(", ")} started again on ${host.name}'s disk, ready with empty outboxes, streams whole`,
    notes: [],
  };
}

/** SIGKILLs one gateway replica for good; recovered when the next order is acknowledged (through the other). */
export async function killReplica({ mesh }: FaultContext, replica: Instance, acknowledged: Set<string>): Promise<FaultRecord> {
  const at = Date.now();
  const host = mesh.hostOf(replica)!;
  await mesh.stop(replica, "SIGKILL");
  const count = acknowledged.size;
  await until("an order acknowledged after the kill", async () => acknowledged.size > count);
  return {
    fault: `SIGKILL ${replica} on ${host.name}, for good`,
    at,
    outageMs: 0,
    recoveryMs: Date.now() - at,
    recovered: "the next order acknowledged (through the other replica)",
    notes: [],
  };
}
