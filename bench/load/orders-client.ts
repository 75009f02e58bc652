/**
 * The orders bench's load on a mesh, from its own Bun process: POST /api/orders on GATEWAY_URL with
 * BODY, MODE=closed (LANES in flight, saturation) or MODE=open (RATE per second, evenly spaced), for
 * WARMUP_S (discarded) then DURATION_S. Over exactly the measured window it reads the CPU time of
 * every process in PIDS (JSON [{name, pid}], from /proc); afterwards it looks up each 202's end state.
 * Prints one JSON line (bench/lib/order-load.ts's OrderRun).
 */
import { closedLoop, followUp, openLoop, summarize, type OrderRun, type SendOrder } from "../lib/order-load";
import { measureCpu } from "../lib/process-cpu";

const env = process.env;
const gatewayUrl = env["GATEWAY_URL"]!;
const body = env["BODY"]!;
const mode = env["MODE"] ?? "closed";
const lanes = Number(env["LANES"] ?? 32);
const rate = Number(env["RATE"] ?? 0);
const warmupS = Number(env["WARMUP_S"] ?? 0);
const durationS = Number(env["DURATION_S"] ?? 10);
const pids = JSON.parse(env["PIDS"] ?? "[]") as { name: string; pid: number }[];

const send: SendOrder = async () => {
  const res = await fetch(`${gatewayUrl}/api/orders`, { method: "POST", headers: { "content-type": "application/json" }, body });
  const text = await res.text();
  return { status: res.status, body: text.startsWith("{") ? JSON.parse(text) : null };
};
const statusOf = async (id: string) => {
  const res = await fetch(`${gatewayUrl}/api/orders/${id}`).catch(() => null);
  return res?.ok ? (((await res.json()) as { status?: string }).status ?? null) : null;
};
const run = (seconds: number) => (mode === "open" ? openLoop(send, rate, seconds) : closedLoop(send, lanes, seconds));

if (mode !== "open" && mode !== "closed") throw new Error(`MODE must be open or closed, got ${mode}`);
if (warmupS > 0) await run(warmupS);
const cpuSince = measureCpu(pids);
const measured = await run(durationS);
const cpuMs = cpuSince();
const result: OrderRun = {
  ...summarize(measured.tally, measured.seconds),
  cpuMs,
  accepted202Ends: await followUp(measured.tally.acceptedIds, statusOf, 20_000),
  ...("maxLateMs" in measured ? { maxLateMs: measured.maxLateMs as number } : {}),
};
console.log(JSON.stringify(result));
process.exit(0);
