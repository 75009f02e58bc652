/**
 * The whole mesh for the benches, started the way an operator starts it: the launcher
 * (`bun run shared/mesh/cli.ts up`) on its own data dir and ports, against the bench's
 * nats-server. Ready = the launcher's "mesh ready" line; pids and URLs come from its state file.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bunBin, repoRoot, tempDir } from "../../test/support/processes";

export interface LauncherMesh {
  dataDir: string;
  gatewayUrl: string;
  workers: { name: string; pid: number; url: string }[];
  /** The telemetry process the launcher starts (trace store and metric series), when it started one. */
  telemetry: { name: string; pid: number } | null;
  /** The launcher itself (`mesh up`): it supervises the workers. */
  launcher: { name: string; pid: number };
  /** Launcher spawned → "mesh ready" printed. */
  readyMs: number;
  stop(): Promise<void>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A base port whose next 8 ports are all free (the launcher puts each worker at base + its placement.portOffset). */
async function freePortBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 20_000);
    const ports = Array.from({ length: 8 }, (_, i) => base + i);
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return base;
  }
  throw new Error("no free range of 8 ports for the mesh");
}

export async function startLauncherMesh(options: { natsUrl: string; env?: Record<string, string> }): Promise<LauncherMesh> {
  const dataDir = tempDir("bench-mesh");
  const base = await freePortBase();
  const startedAt = performance.now();
  const child = spawn(bunBin, ["run", "shared/mesh/cli.ts", "up"], {
    cwd: repoRoot,
    env: {
      ...process.env,
      NO_COLOR: "1",
      LOG_LEVEL: "warn",
      DATA_DIR: dataDir,
      NATS_URL: options.natsUrl,
      MESH_PORT_BASE: String(base + 1),
      GATEWAY_PORT: String(base),
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const ready = new Promise<number>((resolve) => {
    const watch = (chunk: Buffer) => {
      // Keep only the tail: under load the workers may log, and nobody reads it all.
      output = (output + chunk.toString()).slice(-20_000);
      if (output.includes("mesh ready")) resolve(performance.now() - startedAt);
    };
    child.stdout.on("data", watch);
    child.stderr.on("data", watch);
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`mesh not ready in 90 s:\n${output}`)), 90_000).unref());
  const failed = exited.then((code) => {
    throw new Error(`launcher exited ${code} before the mesh was ready:\n${output}`);
  });
  let readyMs: number;
  try {
    readyMs = await Promise.race([ready, timeout, failed]);
  } catch (error) {
    await stop();
    throw error;
  }
  const state = JSON.parse(readFileSync(join(dataDir, "mesh.json"), "utf8")) as {
    launcherPid: number;
    workers: { name: string; pid: number; url: string }[];
    telemetry?: { name: string; pid: number };
  };
  return {
    dataDir,
    gatewayUrl: `http://127.0.0.1:${base}`,
    workers: state.workers,
    telemetry: state.telemetry ? { name: state.telemetry.name, pid: state.telemetry.pid } : null,
    launcher: { name: "launcher", pid: state.launcherPid },
    readyMs,
    stop,
  };
}
