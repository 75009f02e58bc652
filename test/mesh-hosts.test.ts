/**
 * The launcher across hosts, on one machine: `up --workers` runs only the named workers, NATS_URL
 * takes a list of servers (and a bad one is named), and three launchers each start a node of one
 * NATS cluster (`--nats-cluster`), whose workers make their streams with STREAM_REPLICAS=3.
 */
import { afterAll, describe, expect, it } from "vitest";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect, type NatsConnection } from "nats";
import { ensureNamedStream } from "../shared/events/streams";
import { workerNamesIn } from "../shared/mesh/discover";
import {
  bunBin,
  freePort,
  freePortBase,
  repoRoot,
  runToEnd,
  startLauncher as startProcessLauncher,
  stopAll,
  tempDir,
  testMeshSecret,
  waitFor,
  type RunningProcess,
} from "./support/processes";

const launchers: RunningProcess[] = [];
const connections: NatsConnection[] = [];
afterAll(async () => {
  for (const nc of connections) await nc.close().catch(() => {});
  // SIGTERM first: each launcher stops its workers and the nats-server it started.
  await Promise.all(launchers.map((launcher) => launcher.kill("SIGTERM")));
  await stopAll();
});

function startLauncher(args: string[], env: Record<string, string>): RunningProcess {
  const launcher = startProcessLauncher(args, { LOG_FORMAT: "json", ...env });
  launchers.push(launcher);
  return launcher;
}

const users = [...workerNamesIn(repoRoot), "operator"];

/** The same NATS passwords in every host's DATA_DIR/secrets/nats, as an operator copies them: any node then knows every worker. */
function sharedNatsPasswords(dataDirs: string[]): void {
  for (const user of users) {
    const password = `${user}-password-0123456789abcdef`;
    for (const dataDir of dataDirs) {
      mkdirSync(join(dataDir, "secrets", "nats"), { recursive: true, mode: 0o700 });
      writeFileSync(join(dataDir, "secrets", "nats", `${user}.password`), `${password}\n`, { mode: 0o600 });
    }
  }
}

describe("the launcher on one of several hosts", () => {
  it("names the known workers when --workers names an unknown one, and NATS_URL when it is not a list of servers", async () => {
    const dataDir = tempDir("mesh-hosts");
    const unknown = await runToEnd(bunBin, ["run", "shared/mesh/cli.ts", "up", "--workers", "users,no-such-worker"], {
      DATA_DIR: dataDir,
      NATS_URL: `nats://127.0.0.1:${await freePort()}`,
    });
    expect(unknown.code).toBe(1);
    expect(unknown.output).toMatch(/--workers: unknown worker no-such-worker; the workers are .*users.*catalog/);
    const badUrl = await runToEnd(bunBin, ["run", "shared/mesh/cli.ts", "up"], { DATA_DIR: dataDir, NATS_URL: "nats://127.0.0.1:4222, http://x y" });
    expect(badUrl.code).toBe(1);
    expect(badUrl.output).toContain("NATS_URL: must be a NATS server URL or a comma-separated list");
    const badFlag = await runToEnd(bunBin, ["run", "shared/mesh/cli.ts", "up", "--nats-routes", "nats-route://127.0.0.1:1"], { DATA_DIR: dataDir });
    expect(badFlag.code).toBe(1);
    expect(badFlag.output).toContain("--nats-routes need --nats-cluster NAME");
  });

  it("three launchers each start a node of one NATS cluster and run their own workers; the streams have three replicas", async () => {
    const clientPorts = [await freePort(), await freePort(), await freePort()];
    const routePorts = [await freePort(), await freePort(), await freePort()];
    const dataDirs = [tempDir("host-a"), tempDir("host-b"), tempDir("host-c")];
    sharedNatsPasswords(dataDirs);
    const natsUrl = clientPorts.map((port) => `nats://127.0.0.1:${port}`).join(",");
    const routes = routePorts.map((port) => `nats-route://127.0.0.1:${port}`).join(",");
    const portBase = await freePortBase();
    const hostWorkers = ["users", "catalog", "inventory"];
    const started = hostWorkers.map((worker, i) =>
      startLauncher(
        [
          "--workers",
          worker,
          "--nats-cluster",
          "test-mesh",
          "--nats-routes",
          routes,
          "--nats-cluster-port",
          String(routePorts[i]),
          "--nats-cluster-listen",
          "127.0.0.1",
          "--nats-listen",
          `127.0.0.1:${clientPorts[i]}`,
          "--nats-server-name",
          `node-${i}`,
        ],
        { DATA_DIR: dataDirs[i]!, NATS_URL: natsUrl, MESH_PORT_BASE: String(portBase), STREAM_REPLICAS: "3", MESH_TOKEN_SECRET: testMeshSecret },
      ),
    );
    for (const [i, launcher] of started.entries()) {
      await waitFor(`host ${i} ready`, async () => (launcher.output().includes("mesh ready") ? true : undefined), 60_000);
      expect(launcher.output()).toContain(`starting ${hostWorkers[i]} (`);
    }
    const conf = readFileSync(join(dataDirs[0]!, "secrets", "nats-server.conf"), "utf8");
    expect(conf).toMatch(/server_name: "node-0"/);
    expect(conf).toMatch(/cluster \{\n  name: "test-mesh"/);

    const operatorPassword = readFileSync(join(dataDirs[0]!, "secrets", "nats", "operator.password"), "utf8").trim();
    const nc = await connect({ servers: natsUrl.split(","), user: "operator", pass: operatorPassword });
    connections.push(nc);
    // The manager asks the JetStream API once on creation: retried, as it may time out while the young cluster elects its meta leader.
    const jsm = await waitFor("the JetStream API", () => nc.jetstreamManager(), 60_000);
    for (const stream of ["USERS", "CATALOG", "INVENTORY"]) {
      const info = await waitFor(`${stream} stream`, async () => jsm.streams.info(stream), 60_000);
      expect(info.config.num_replicas, stream).toBe(3);
      // Its peers: the leader (once elected) and the other copies, on three nodes.
      const peers = new Set([info.cluster?.leader, ...(info.cluster?.replicas ?? []).map((replica) => replica.name)].filter(Boolean));
      expect(peers.size, stream).toBe(3);
    }
    // A stream made with one replica is raised to three by the next ensure (JetStream 2.9 allows it on a cluster).
    // (Retried: the JetStream API may time out while the young cluster elects a stream's leader.)
    const stream = { name: "REPLICAS_UP", subjects: ["replicas-up.>"] };
    expect((await waitFor("an R1 stream", () => ensureNamedStream(jsm, stream, { replicas: 1 }), 60_000)).config.num_replicas).toBe(1);
    const raised = await waitFor("the stream raised to R3", () => ensureNamedStream(jsm, stream, { replicas: 3 }), 60_000);
    expect(raised.config.num_replicas).toBe(3);
  }, 150_000);
});
