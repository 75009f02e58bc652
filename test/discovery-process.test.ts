/**
 * Workers found through NATS, with no `<PEER>_URL` anywhere: the gateway calls inventory where
 * inventory registered itself; inventory is stopped and started again by hand on another address
 * and port (127.0.0.2 standing for another host), and the gateway finds and calls it there within
 * seconds. `mesh status --json` lists both, found by `$SRV.PING`, with host, pid, version, URL
 * and readiness, though no launcher started them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bunBin,
  freePort,
  freePortBase,
  runToEnd,
  startNats,
  startWorker,
  stopAll,
  tempDir,
  testAdminKey,
  testMeshSecret,
  waitFor,
  type RunningNats,
  type RunningWorker,
} from "./support/processes";

let nats: RunningNats;
let gateway: RunningWorker;
const dataDir = tempDir("discovery");
let common: Record<string, string>;

beforeAll(async () => {
  nats = await startNats();
  // MESH_PORT_BASE where nothing listens: a peer not found through NATS is not reached by luck.
  common = { NATS_URL: nats.url, DATA_DIR: dataDir, MESH_TOKEN_SECRET: testMeshSecret, MESH_PORT_BASE: String(await freePortBase()), PEER_TIMEOUT_MS: "1000" };
}, 30_000);
afterAll(stopAll);

interface StatusEntry {
  name: string;
  host: string;
  pid: number;
  version: string;
  url: string;
  ready: boolean;
}

async function statusJson(): Promise<StatusEntry[]> {
  const { output } = await runToEnd(bunBin, ["run", "shared/mesh/cli.ts", "status", "--json"], { DATA_DIR: tempDir("no-mesh"), NATS_URL: nats.url });
  return (JSON.parse(output.slice(output.indexOf("{"))) as { workers: StatusEntry[] }).workers;
}

const stockOf = (productId: string) => fetch(`${gateway.url}/api/inventory/${productId}`);

describe("workers found through NATS", () => {
  it("the gateway calls inventory where it registered, follows it to another address within seconds, and status lists both", async () => {
    const inventory = await startWorker("inventory", { ...common, MESH_HOST_NAME: "host-a" });
    gateway = await startWorker("gateway", { ...common, ADMIN_API_KEY: testAdminKey, MESH_HOST_NAME: "host-a" });
    const first = await waitFor("the gateway's call to inventory", async () => {
      const answer = await stockOf("p-1");
      return answer.status === 503 ? undefined : answer;
    });
    expect(first.status, await first.clone().text()).not.toBe(503);
    expect(await first.json()).not.toMatchObject({ code: "PEER_UNAVAILABLE" });

    await inventory.kill("SIGTERM");
    const moved = await startWorker("inventory", { ...common, MESH_HOST_NAME: "host-b" }, { host: "127.0.0.2", port: await freePort() });
    const started = Date.now();
    await waitFor("the gateway's call to inventory at its new address", async () => ((await stockOf("p-1")).status === 503 ? undefined : true), 20_000);
    const foundAfterMs = Date.now() - started;
    process.stdout.write(`inventory found at ${moved.url} ${foundAfterMs} ms after it was ready there\n`);

    const workers = await waitFor("status listing inventory on host-b", async () => {
      const listed = await statusJson();
      return listed.some((worker) => worker.name === "inventory" && worker.host === "host-b") ? listed : undefined;
    });
    expect(workers.find((worker) => worker.name === "inventory")).toMatchObject({ host: "host-b", pid: moved.pid, url: moved.url, ready: true, version: expect.any(String) });
    expect(workers.find((worker) => worker.name === "gateway")).toMatchObject({ host: "host-a", pid: gateway.pid, ready: true });
    expect(workers.filter((worker) => worker.name === "inventory")).toHaveLength(1);
  }, 90_000);
});
