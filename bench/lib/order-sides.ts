/**
 * The sides the orders bench compares, each able to run the same measured order load on demand:
 * a launcher mesh (load from bench/load/orders-client.ts, CPU per worker from /proc) and the
 * one-process baseline (bench/servers/one-process.ts, a long-lived child taking commands on stdin,
 * measuring its own CPU). All sides stay up for the whole bench, so their runs can alternate
 * without restarting (or re-warming from cold) between them.
 */
import { spawn } from "node:child_process";
import { bunBin, repoRoot, startNats, type RunningNats } from "../../test/support/processes";
import type { BenchContext, SeededMesh } from "./context";
import type { OrderRun } from "./order-load";
import { processCpuMs } from "./process-cpu";
import { orderBody } from "./seed";

export interface OrderSide {
  label: string;
  /** The processes whose CPU is this side's (a mesh's workers; the one process). */
  pids: { name: string; pid: number }[];
  /** Closed-loop load: `warmupS` discarded, then `durationS` measured. */
  saturate(lanes: number, warmupS: number, durationS: number): Promise<OrderRun>;
  stop(): Promise<void>;
}

export function meshSide(
  ctx: BenchContext,
  label: string,
  mesh: SeededMesh,
): OrderSide & { mesh: SeededMesh; open(rate: number, warmupS: number, durationS: number): Promise<OrderRun> } {
  // Every process of the side the launcher started: the seven workers and its telemetry process (trace store, series).
  const pids = [...mesh.workers.map(({ name, pid }) => ({ name, pid })), ...(mesh.telemetry ? [mesh.telemetry] : [])];
  const common = { GATEWAY_URL: mesh.gatewayUrl, BODY: orderBody(mesh), PIDS: JSON.stringify(pids) };
  const run = (env: Record<string, string>) => ctx.runBunScript("bench/load/orders-client.ts", { ...common, ...env }) as Promise<OrderRun>;
  return {
    label,
    mesh,
    pids,
    saturate: (lanes, warmupS, durationS) => run({ MODE: "closed", LANES: String(lanes), WARMUP_S: String(warmupS), DURATION_S: String(durationS) }),
    open: (rate, warmupS, durationS) => run({ MODE: "open", RATE: String(rate), WARMUP_S: String(warmupS), DURATION_S: String(durationS) }),
    stop: () => mesh.stop(),
  };
}

/**
 * The untraced mesh with every worker's output check off (OUTPUT_VALIDATION=off): beside the
 * untraced side (checks on, the default), what checking each answer against its schema costs.
 */
export async function uncheckedMeshSide(ctx: BenchContext) {
  return meshSide(ctx, "untraced, output checks off", await ctx.ownMesh("plain", { OUTPUT_VALIDATION: "off" }));
}

/** The one-process baseline on a nats-server of its own (its streams would clash with a mesh's). */
export async function oneProcessSide(ctx: BenchContext): Promise<OrderSide> {
  const nats: RunningNats = await startNats();
  const child = spawn(bunBin, ["run", "bench/servers/one-process.ts"], {
    cwd: repoRoot,
    env: { ...process.env, NATS_URL: nats.url, MESH_TOKEN_SECRET: ctx.secret, ADMIN_API_KEY: ctx.adminKey },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const lines: string[] = [];
  let wake: (() => void) | undefined;
  let buffer = "";
  child.stdout.on("data", (chunk) => {
    buffer += chunk;
    const parts = buffer.split("\n");
    buffer = parts.pop()!;
    lines.push(...parts.filter((line) => line.startsWith("{")));
    wake?.();
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const nextJson = async (): Promise<any> => {
    while (lines.length === 0) {
      if (child.exitCode !== null) throw new Error(`one-process baseline exited ${child.exitCode}: ${stderr}`);
      await Promise.race([new Promise<void>((resolve) => (wake = resolve)), exited]);
    }
    return JSON.parse(lines.shift()!);
  };
  await nextJson();
  return {
    label: "one process",
    pids: [{ name: "one-process", pid: child.pid! }],
    async saturate(lanes, warmupS, durationS) {
      child.stdin.write(`${JSON.stringify({ lanes, warmupS, durationS })}\n`);
      return (await nextJson()) as OrderRun;
    },
    async stop() {
      if (child.exitCode === null) child.stdin.end("stop\n");
      await Promise.race([exited, Bun.sleep(15_000).then(() => child.kill("SIGKILL"))]);
      await nats.kill("SIGTERM");
    },
  };
}

/** CPU ms per second of wall time that the idle sides burned while one side ran (background noise on the measured side). */
export async function withIdleCpu<T>(idle: OrderSide[], work: () => Promise<T>): Promise<{ result: T; idleCpuMsPerS: number }> {
  const pids = idle.flatMap((side) => side.pids.map((p) => p.pid));
  const total = () => pids.reduce((sum, pid) => sum + (processCpuMs(pid) ?? 0), 0);
  const before = total();
  const began = performance.now();
  const result = await work();
  return { result, idleCpuMsPerS: Math.round(((total() - before) * 1000) / (performance.now() - began)) };
}
