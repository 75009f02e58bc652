import { afterAll, describe, expect, it } from "vitest";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import {
  bunBin,
  freePort,
  freePortBase,
  repoRoot,
  runToEnd,
  startLauncher as startProcessLauncher,
  startNats,
  stopAll,
  tempDir,
  trpcMutation,
  trpcQuery,
  waitFor,
  type RunningProcess,
} from "./support/processes";
import { workerNamesIn } from "../shared/mesh/discover";

// The launcher and the workers it starts; whatever a failed test leaves is SIGKILLed here.
const launchers: RunningProcess[] = [];
const workerPids = new Set<number>();
afterAll(async () => {
  for (const launcher of launchers) await launcher.kill("SIGKILL");
  for (const pid of workerPids) if (isAlive(pid)) process.kill(pid, "SIGKILL");
  await stopAll();
});

interface StatusWorker {
  name: string;
  pid: number;
  url: string;
  ready: boolean;
}

const discoveredWorkers = workerNamesIn(repoRoot);

/** The local addresses a TCP port listens on, read from the kernel's socket tables (IPv4 and IPv6). */
function listenAddresses(port: number): string[] {
  const addresses: string[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== "0A" || !local) continue; // 0A = LISTEN
      const [hex, portHex] = local.split(":");
      if (parseInt(portHex!, 16) !== port) continue;
      addresses.push(
        hex!.length === 8
          ? hex!
              .match(/../g)!
              .reverse()
              .map((byte) => parseInt(byte, 16))
              .join(".")
          : /^0+$/.test(hex!)
            ? "::"
            : `ipv6:${hex}`,
      );
    }
  }
  return addresses;
}

/** A process's environment as the kernel holds it (what `ps e` or a core dump would show). */
function environOf(pid: number): Map<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean);
  return new Map(entries.map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function startLauncher(env: Record<string, string>): RunningProcess {
  const launcher = startProcessLauncher([], env);
  launchers.push(launcher);
  return launcher;
}

async function waitForMeshReady(launcher: RunningProcess): Promise<void> {
  await Promise.race([
    waitFor("mesh ready", async () => (launcher.output().includes("mesh ready") ? true : undefined), 45_000),
    launcher.exited.then((code) => {
      throw new Error(`launcher exited with ${code} before ready:\n${launcher.output()}`);
    }),
  ]);
}

async function meshStatus(dataDir: string): Promise<{ code: number | null; workers: StatusWorker[] }> {
  const { code, output } = await runToEnd(bunBin, ["run", "shared/mesh/cli.ts", "status", "--json"], { DATA_DIR: dataDir });
  const workers = (JSON.parse(output.slice(output.indexOf("{"))) as { workers: StatusWorker[] }).workers;
  for (const worker of workers) if (worker.pid) workerPids.add(worker.pid);
  return { code, workers };
}

describe("the mesh launcher (npm start)", () => {
  it("starts every worker ready, brings a SIGKILLed worker back with its data, and stops all on SIGTERM", async () => {
    const nats = await startNats();
    const dataDir = tempDir("mesh-up");
    const launcher = startLauncher({
      DATA_DIR: dataDir,
      NATS_URL: nats.url,
      MESH_PORT_BASE: String(await freePortBase()),
      GATEWAY_PORT: String(await freePort()),
    });
    await waitForMeshReady(launcher);
    expect(launcher.output()).toContain(`using NATS at ${nats.url}`);

    const first = await meshStatus(dataDir);
    expect(first.code).toBe(0);
    expect(first.workers.map((worker) => worker.name).sort()).toEqual([...discoveredWorkers].sort());
    expect(first.workers.map((worker) => worker.name)).toEqual(expect.arrayContaining(["users", "catalog"]));
    for (const worker of first.workers) {
      expect(worker.ready).toBe(true);
      expect(isAlive(worker.pid)).toBe(true);
    }

    // The gateway alone listens beyond loopback; every owner of data is on 127.0.0.1 only.
    for (const worker of first.workers) {
      const addresses = listenAddresses(Number(new URL(worker.url).port));
      if (worker.name === "gateway")
        expect(
          addresses.some((a) => a === "0.0.0.0" || a === "::"),
          `gateway listens on ${addresses}`,
        ).toBe(true);
      else expect(addresses, `${worker.name} listens on`).toEqual(["127.0.0.1"]);
    }

    const users = first.workers.find((worker) => worker.name === "users")!;
    const registered = await trpcMutation(users.url, "register", { email: "kept@mesh.io", name: "Kept" });
    expect(registered.status).toBe(200);

    process.kill(users.pid, "SIGKILL");
    const back = await waitFor("users restarted and ready", async () => {
      const { workers } = await meshStatus(dataDir);
      const again = workers.find((worker) => worker.name === "users");
      return again && again.pid !== users.pid && again.ready ? again : undefined;
    });
    expect(isAlive(users.pid)).toBe(false);
    expect(launcher.output()).toMatch(/users exited \(signal SIGKILL\); restarting in \d+ms/);
    const kept = await trpcQuery(back.url, "get", { id: registered.body.result.data.id });
    expect(kept.body.result.data.email).toBe("kept@mesh.io");

    const pids = (await meshStatus(dataDir)).workers.map((worker) => worker.pid);
    expect(await launcher.kill("SIGTERM")).toBe(0);
    for (const pid of pids) expect(isAlive(pid), `worker pid ${pid} still alive`).toBe(false);
    expect(existsSync(join(dataDir, "mesh.json"))).toBe(false);
  });

  it("leaves the nats-server it started running when it is SIGKILLed, and the next launcher uses it with the workers' users, then stops it", async () => {
    const dataDir = tempDir("mesh-adopt");
    const env = { DATA_DIR: dataDir, NATS_URL: `nats://127.0.0.1:${await freePort()}`, MESH_PORT_BASE: String(await freePortBase()), GATEWAY_PORT: String(await freePort()) };
    const first = startLauncher(env);
    await waitForMeshReady(first);
    const state = JSON.parse(readFileSync(join(dataDir, "mesh.json"), "utf8")) as { nats: { mode: string; pid: number }; workers: { name: string; pid: number }[] };
    expect(state.nats.mode).toBe("launched");
    const natsPid = state.nats.pid;
    workerPids.add(natsPid);
    for (const worker of state.workers) workerPids.add(worker.pid);

    // The admin key the user set (test/support/processes.ts puts one in the env) reaches the gateway alone.
    const adminKey = process.env["ADMIN_API_KEY"]!;
    expect(adminKey.length).toBeGreaterThan(0);
    expect(state.workers.length).toBe(discoveredWorkers.length);
    for (const worker of state.workers) {
      const environ = environOf(worker.pid);
      const admin = [...environ.keys()].filter((name) => name.startsWith("ADMIN_API_KEY"));
      if (worker.name === "gateway") expect(environ.get("ADMIN_API_KEY")).toBe(adminKey);
      else expect(admin, `${worker.name}'s environment`).toEqual([]);
      if (worker.name !== "gateway")
        expect(
          [...environ.values()].some((value) => value.includes(adminKey)),
          `the key in ${worker.name}'s environment`,
        ).toBe(false);
    }
    // nats-server reads no secret of the mesh at all.
    const natsEnviron = environOf(natsPid);
    expect([...natsEnviron.keys()].filter((name) => /ADMIN_API_KEY|MESH_TOKEN_SECRET/.test(name))).toEqual([]);

    await first.kill("SIGKILL");
    await waitFor(
      "the workers gone with their launcher",
      async () => {
        const alive = state.workers.filter((worker) => isAlive(worker.pid)).map((worker) => `${worker.name} (pid ${worker.pid})`);
        if (alive.length > 0) throw new Error(`still running: ${alive.join(", ")}`);
        return true;
      },
      30_000,
    );
    expect(isAlive(natsPid)).toBe(true);

    const second = startLauncher(env);
    await waitForMeshReady(second);
    expect(second.output()).toContain(`using the nats-server (pid ${natsPid}) an earlier launcher of this mesh started`);
    // Every worker that uses NATS (all but the gateway) is connected to it with its own user
    // (the server refuses anonymous clients).
    const connected = await waitFor(
      "every worker connected to NATS",
      async () => {
        const { workers } = await meshStatus(dataDir);
        const statuses = await Promise.all(
          workers.map(async (worker) => [worker.name, ((await (await fetch(`${worker.url}/health/ready`)).json()) as { nats?: { status: string } }).nats?.status] as const),
        );
        const withNats = statuses.filter(([, status]) => status !== undefined);
        return withNats.every(([, status]) => status === "connected") ? withNats.map(([name]) => name) : undefined;
      },
      20_000,
    );
    expect(connected.sort()).toEqual(discoveredWorkers.filter((name) => name !== "gateway").sort());
    expect(isAlive(natsPid)).toBe(true);

    expect(await second.kill("SIGTERM")).toBe(0);
    expect(isAlive(natsPid)).toBe(false);
  });

  it("without a broker or nats-server on PATH warns loudly and still gets every worker ready", async () => {
    const pathWithoutNats = (process.env["PATH"] ?? "")
      .split(delimiter)
      .filter((dir) => !existsSync(join(dir, "nats-server")))
      .join(delimiter);
    const dataDir = tempDir("mesh-nonats");
    const launcher = startLauncher({
      DATA_DIR: dataDir,
      PATH: pathWithoutNats,
      NATS_URL: `nats://127.0.0.1:${await freePort()}`,
      MESH_PORT_BASE: String(await freePortBase()),
      GATEWAY_PORT: String(await freePort()),
    });
    await waitForMeshReady(launcher);
    expect(launcher.output()).toContain("NO EVENT BROKER");
    expect(launcher.output()).toContain("nats-server is not installed");

    const { code, workers } = await meshStatus(dataDir);
    expect(code).toBe(0);
    expect(workers.every((worker) => worker.ready)).toBe(true);
    expect(await launcher.kill("SIGTERM")).toBe(0);
    for (const worker of workers) expect(isAlive(worker.pid)).toBe(false);
  });

  it("status says clearly that no mesh is running, exit code 1", async () => {
    const { code, output } = await runToEnd(bunBin, ["run", "shared/mesh/cli.ts", "status"], { DATA_DIR: tempDir("mesh-none") });
    expect(code).toBe(1);
    expect(output).toContain("no mesh is running");
  });

  it("an unknown command prints the usage, exit code 2", async () => {
    const { code, output } = await runToEnd(bunBin, ["run", "shared/mesh/cli.ts", "launch-rockets"]);
    expect(code).toBe(2);
    expect(output).toContain("unknown command: launch-rockets");
    expect(output).toContain("usage: npm run mesh -- <command>");
  });

  it("starts a jaeger found on PATH, sends every worker's traces to it, and stops it with the mesh", async () => {
    // A stand-in for the Jaeger binary (outside the system): an OTLP/HTTP receiver on 4318 that
    // counts trace exports and records its pid.
    const binDir = tempDir("fake-jaeger");
    const script = join(binDir, "jaeger");
    writeFileSync(
      script,
      [
        "#!/usr/bin/env node",
        'import { createServer } from "node:http";',
        'import { writeFileSync } from "node:fs";',
        "let exports = 0;",
        'writeFileSync("pid", String(process.pid));',
        "createServer((req, res) => {",
        '  if (req.method === "POST" && req.url === "/v1/traces") exports += 1;',
        '  writeFileSync("exports", String(exports));',
        "  req.resume();",
        '  req.on("end", () => res.writeHead(200, { "content-type": "application/x-protobuf" }).end());',
        '}).listen(4318, "127.0.0.1");',
      ].join("\n"),
    );
    chmodSync(script, 0o755);
    const dataDir = tempDir("mesh-jaeger");
    const env: Record<string, string> = {
      DATA_DIR: dataDir,
      PATH: `${binDir}${delimiter}${process.env["PATH"]}`,
      NATS_URL: `nats://127.0.0.1:${await freePort()}`,
      MESH_PORT_BASE: String(await freePortBase()),
      GATEWAY_PORT: String(await freePort()),
      OTEL_BSP_SCHEDULE_DELAY: "200",
    };
    delete process.env["OTEL_EXPORTER_OTLP_ENDPOINT"];
    const launcher = startLauncher(env);
    await waitForMeshReady(launcher);
    expect(launcher.output()).toContain("for traces");
    const { workers } = await meshStatus(dataDir);
    const users = workers.find((worker) => worker.name === "users")!;
    await trpcQuery(users.url, "list", { limit: 1 });
    const jaegerDir = join(dataDir, "jaeger");
    await waitFor("traces at the fake jaeger", async () => (existsSync(join(jaegerDir, "exports")) && Number(readFileSync(join(jaegerDir, "exports"), "utf8")) > 0 ? true : undefined));
    const jaegerPid = Number(readFileSync(join(jaegerDir, "pid"), "utf8"));
    expect(await launcher.kill("SIGTERM")).toBe(0);
    expect(isAlive(jaegerPid)).toBe(false);
  }, 120_000);
});
