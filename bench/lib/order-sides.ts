/**
 * The sides the orders bench compares, each started alone on its own nats-server and data dir,
 * measured, and stopped before the next one starts: a launcher mesh (load from
 * bench/load/orders-client.ts) or the one-process baseline (bench/servers/one-process.ts, a child
 * taking commands on stdin, its load loop inside it). Every process of a side is counted: a mesh's
 * seven workers, its telemetry process when it has one, the launcher and nats-server; the one
 * process and its nats-server.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { bunBin, repoRoot, startNats, type RunningNats } from "../../test/support/processes";
import type { BenchContext, MeshKind } from "./context";
import type { LoadCommand, OrderRun } from "./order-load";

export type SideSpec = { label: string; kind: "mesh"; mesh: MeshKind } | { label: string; kind: "one-process" };

export interface RunningSide {
  label: string;
  /** Every process of the side, nats-server among them. */
  processes: { name: string; pid: number }[];
  /** Runs one load (its pids are the side's processes). */
  run(command: Omit<LoadCommand, "pids">): Promise<OrderRun>;
  stop(): Promise<void>;
}

export interface SeedCounts {
  customers: number;
  products: number;
}

export const startSide = (ctx: BenchContext, spec: SideSpec, seed: SeedCounts): Promise<RunningSide> =>
  spec.kind === "mesh" ? startMeshSide(ctx, spec.label, spec.mesh, seed) : startOneProcessSide(ctx, spec.label, seed);

async function startMeshSide(ctx: BenchContext, label: string, kind: MeshKind, seed: SeedCounts): Promise<RunningSide> {
  const mesh = await ctx.ownMesh(kind, { seed });
  const fixturesFile = join(mesh.dataDir, "bench-fixtures.json");
  writeFileSync(fixturesFile, JSON.stringify({ customerIds: mesh.customerIds, productIds: mesh.productIds }));
  const processes = [...mesh.workers.map(({ name, pid }) => ({ name, pid })), ...(mesh.telemetry ? [mesh.telemetry] : []), mesh.launcher, { name: "nats-server", pid: mesh.nats.pid }];
  return {
    label,
    processes,
    run: (command) =>
      ctx.runBunScript("bench/load/orders-client.ts", { GATEWAY_URL: mesh.gatewayUrl, FIXTURES_FILE: fixturesFile, COMMAND: JSON.stringify({ ...command, pids: processes }) }),
    stop: () => mesh.stop(),
  };
}

/** The one-process baseline on a nats-server of its own. */
async function startOneProcessSide(ctx: BenchContext, label: string, seed: SeedCounts): Promise<RunningSide> {
  const nats: RunningNats = await startNats();
  const child = spawn(bunBin, ["run", "bench/servers/one-process.ts"], {
    cwd: repoRoot,
    env: { ...process.env, NATS_URL: nats.url, MESH_TOKEN_SECRET: ctx.secret, ADMIN_API_KEY: ctx.adminKey, CUSTOMERS: String(seed.customers), PRODUCTS: String(seed.products) },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const lines = jsonLines(child);
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  await lines.next();
  const processes = [
    { name: "one-process", pid: child.pid! },
    { name: "nats-server", pid: nats.pid },
  ];
  return {
    label,
    processes,
    async run(command) {
      child.stdin.write(`${JSON.stringify({ ...command, pids: processes })}\n`);
      return (await lines.next()) as OrderRun;
    },
    async stop() {
      if (child.exitCode === null) child.stdin.end("stop\n");
      await Promise.race([exited, Bun.sleep(15_000).then(() => child.kill("SIGKILL"))]);
      await nats.kill("SIGTERM");
    },
  };
}

/** The JSON lines a child prints, one at a time; fails with its stderr when it exits first. */
function jsonLines(child: ReturnType<typeof spawn>) {
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const lines: string[] = [];
  let wake: (() => void) | undefined;
  let buffer = "";
  child.stdout!.on("data", (chunk) => {
    buffer += chunk;
    const parts = buffer.split("\n");
    buffer = parts.pop()!;
    lines.push(...parts.filter((line) => line.startsWith("{")));
    wake?.();
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  return {
    async next(): Promise<any> {
      while (lines.length === 0) {
        if (child.exitCode !== null) throw new Error(`one-process baseline exited ${child.exitCode}: ${stderr}`);
        await Promise.race([new Promise<void>((resolve) => (wake = resolve)), exited]);
      }
      return JSON.parse(lines.shift()!);
    },
  };
}
