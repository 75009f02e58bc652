/**
 * The cluster suite (`npm run test:cluster`, as root): three hosts made of network namespaces,
 * one nats-server each in a JetStream cluster, the mesh spread over them with two gateway
 * replicas and no `<PEER>_URL`. Orders go through both replicas (some retried with the same
 * Idempotency-Key on the other one) while the driver kills the nats-server under a host's workers,
 * cuts a host's link past the peer deadline, SIGKILLs every process on the host of inventory and
 * payments, moves a worker to another host, and kills a gateway replica for good. At the end
 * every acknowledged order is CONFIRMED or REJECTED (or CANCELLED), the must-be-zero counts are
 * zero, and `mesh check` passes. Writes test/cluster/RESULTS.md.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, tempDir } from "../support/processes";
import { createLoad } from "../faults/load";
import { setUpShop, type FaultShop } from "../faults/shop";
import { meshCheck, mustBeZero, outcomesOf, settledAudit } from "../faults/verdict";
import { createHosts, destroyHosts, type TestHost } from "./hosts";
import { startNatsCluster, type NatsCluster } from "./nats-cluster";
import { observeCluster, type ClusterObserver } from "./observe";
import { createClusterMesh, initialPlacement, startPlacement, type ClusterMesh, type RunningInstance } from "./cluster-mesh";
import { crossReplicaClient, replicaCaller, type CrossReplicaStats } from "./replica-load";
import { cutLink, healthOf, killHost, killNatsUnderWorkers, killReplica, sleep, type FaultContext, type FaultRecord } from "./faults";
import { moveWorker } from "./move";
import { renderClusterResults } from "./results";
import { findServiceInstances, type ServiceInstance } from "../../shared/rpc/service-registry";

const minOrders = Number(process.env["CLUSTER_ORDERS"] ?? 400);
const peerTimeoutMs = 2_000;
const clients = 3;
const startedAt = Date.now();

let hosts: TestHost[] = [];
let cluster: NatsCluster;
let observer: ClusterObserver | undefined;
let mesh: ClusterMesh;

beforeAll(async () => {
  hosts = await createHosts(3);
  cluster = await startNatsCluster(hosts);
  observer = await observeCluster(cluster);
  mesh = createClusterMesh(cluster, { PEER_TIMEOUT_MS: String(peerTimeoutMs), LOG_LEVEL: "error" });
  await startPlacement(mesh, hosts);
});

afterAll(async () => {
  await observer?.close().catch(() => {});
  await destroyHosts();
});

const meshStreams = ["USERS", "CATALOG", "INVENTORY", "PAYMENTS", "ORDERS"];

it("creates the mesh's streams with three replicas on the cluster (JetStream API)", async () => {
  for (const name of meshStreams) {
    const info = await observer!.jsm.streams.info(name);
    expect(info.config.num_replicas, name).toBe(3);
    expect(info.cluster?.replicas?.length, name).toBe(2);
  }
});

it("registers every worker as a NATS service with its host and its URL there", async () => {
  const hostsOf = (found: ServiceInstance[], entry: RunningInstance) =>
    found.filter((instance) => instance.name === entry.worker && instance.metadata.url === entry.url).map((instance) => instance.metadata.host);
  // A worker registers once its HTTP server listens, checked every second: the last one started may be a moment behind.
  let found: ServiceInstance[] = [];
  const deadline = Date.now() + 30_000;
  do found = await findServiceInstances(observer!.nc, "", 2_000);
  while ([...mesh.running.values()].some((entry) => hostsOf(found, entry).length === 0) && Date.now() < deadline);
  for (const entry of mesh.running.values()) expect(hostsOf(found, entry), `${entry.instance} in ${JSON.stringify(found)}`).toEqual([entry.host.namespace]);
  expect(found.filter((instance) => instance.name === "gateway")).toHaveLength(2);
});

it(`keeps every order through node, link and host faults over ${minOrders}+ orders through two gateway replicas`, async () => {
  const ctx: FaultContext = { mesh, cluster, observer: observer!, hosts };
  const host = (name: string) => hosts.find((candidate) => candidate.name === name)!;
  const { call, stats: replicaStats } = replicaCaller(mesh);
  const shop = await setUpShop(call, minOrders);
  const load = createLoad(call, shop);
  const faults: FaultRecord[] = [];

  let faulting = true;
  const ordersDone = () => load.acknowledged.size >= minOrders;
  const keepGoing = () => faulting || !ordersDone();
  const record = (...done: FaultRecord[]) => {
    for (const fault of done) console.log(`fault: ${fault.fault}; recovered after ${fault.recoveryMs} ms (${load.acknowledged.size} orders so far)`);
    faults.push(...done);
  };
  // One fault at a time, each once the mesh has recovered from the one before, with orders flowing in between.
  const runFaults = async () => {
    await sleep(5_000);
    record(...(await killNatsUnderWorkers(ctx, "orders")));
    await sleep(3_000);
    record(await cutLink(ctx, host("h2"), 4 * peerTimeoutMs));
    await sleep(3_000);
    record(await killHost(ctx, host("h2"), 2_000));
    await sleep(3_000);
    record(await moveWorker(ctx, "catalog", host("h3"), `/api/products/${shop.ampleProducts[0]}`));
    await sleep(3_000);
    record(await killReplica(ctx, "gateway-b", load.acknowledged));
    faulting = false;
  };
  const [cross] = await Promise.all([crossReplicaClient(mesh, shop, load.acknowledged, () => faulting), load.run(clients, keepGoing), runFaults()]);

  await finish({ load, shop, faults, cross, replicaStats });
});

async function finish({
  load,
  shop,
  faults,
  cross,
  replicaStats,
}: {
  load: ReturnType<typeof createLoad>;
  shop: FaultShop;
  faults: FaultRecord[];
  cross: CrossReplicaStats;
  replicaStats: ReturnType<typeof replicaCaller>["stats"];
}) {
  const view = { url: mesh.url, dataDir: tempDir("cluster-check") };
  const audit = await settledAudit(view);
  const check = await meshCheck(view);
  const zeroes = mustBeZero(load.acknowledged, audit, check.report, load.cancelled);
  const outcomes = outcomesOf(audit?.orders ?? [], shop);
  const publishRetries = await publishRetriesByWorker();
  const streams = (await observer!.streams()).map((info) => ({
    name: info.config.name,
    replicas: info.config.num_replicas,
    leader: info.cluster?.leader ?? "-",
    followers: (info.cluster?.replicas ?? []).map((replica) => replica.name),
  }));
  const placement = Object.fromEntries(hosts.map((h) => [h.name, [...mesh.running.values()].filter((entry) => entry.host === h).map((entry) => entry.instance)]));
  const wallSeconds = Math.round((Date.now() - startedAt) / 1000);
  writeFileSync(
    join(repoRoot, "test", "cluster", "RESULTS.md"),
    renderClusterResults({
      startedAt,
      wallSeconds,
      placement: { ...placement, "(at start)": Object.entries(initialPlacement).map(([h, i]) => `${h}=${i.join("+")}`) },
      load,
      replicaStats,
      cross,
      faults,
      elections: observer!.elections,
      publishRetries,
      streams,
      outcomes,
      zeroes,
      checkCode: check.code,
    }),
  );

  expect(faults.length).toBeGreaterThanOrEqual(6);
  expect(load.acknowledged.size).toBeGreaterThanOrEqual(minOrders);
  expect(cross.tried).toBeGreaterThan(0);
  expect(cross.different).toEqual([]);
  expect(Object.keys(replicaStats.answeredBy).sort()).toEqual(["gateway-a", "gateway-b"]);
  expect(audit, "every order CONFIRMED, REJECTED or CANCELLED in 3 minutes").toBeDefined();
  expect(zeroes).toEqual(Object.fromEntries(Object.keys(zeroes).map((name) => [name, 0])));
  expect(check.code, check.output).toBe(0);
}

/** Each running worker's publish retries across leader elections, from its relay's health. */
async function publishRetriesByWorker(): Promise<Record<string, number>> {
  const retries: Record<string, number> = {};
  for (const [instance, entry] of mesh.running) {
    const outbox = (await healthOf(entry.url))?.["outbox"] ?? {};
    retries[instance] = Number(outbox.publishRetries ?? outbox.retries ?? 0);
  }
  return retries;
}
