/**
 * The orders bench's one-process baseline as a process of its own: the seven workers built in it
 * (bench/lib/one-process-mesh.ts) on NATS_URL, telemetry started once with no exporter, seeded
 * through its gateway. It prints `{"ready":true}`, then takes one command per stdin line:
 * `{"warmupS":n,"durationS":n,"lanes":n}` runs the closed-loop order load in this process (each
 * lane yields to the event loop before each request), measuring this process's CPU (all threads,
 * from /proc) over the measured window only, and prints one JSON line (an OrderRun);
 * `stop` stops the workers and exits. Env: NATS_URL, MESH_TOKEN_SECRET, ADMIN_API_KEY.
 */
import { startTelemetry } from "../../telemetry/sdk";
import { tempDir } from "../../test/support/processes";
import { buildOneProcessMesh } from "../lib/one-process-mesh";
import { closedLoop, followUp, summarize, type OrderRun, type SendOrder } from "../lib/order-load";
import { measureCpu } from "../lib/process-cpu";
import { orderBody, seedMesh } from "../lib/seed";

const env = process.env;
await startTelemetry({ serviceName: "one-process", serviceVersion: "0.0.0", env: {} });
const mesh = await buildOneProcessMesh({ dataDir: tempDir("bench-one-process"), natsUrl: env["NATS_URL"]!, secret: env["MESH_TOKEN_SECRET"]!, adminApiKey: env["ADMIN_API_KEY"]! });
const base = "http://gateway.in-process";
const body = orderBody(await seedMesh(base, env["ADMIN_API_KEY"]!, mesh.fetch));

const send: SendOrder = async () => {
  const res = await mesh.fetch(new Request(`${base}/api/orders`, { method: "POST", headers: { "content-type": "application/json" }, body }));
  const text = await res.text();
  return { status: res.status, body: text.startsWith("{") ? JSON.parse(text) : null };
};
const statusOf = async (id: string) => {
  const res = await mesh.fetch(new Request(`${base}/api/orders/${id}`));
  return res.ok ? (((await res.json()) as { status?: string }).status ?? null) : null;
};

async function measure(command: { warmupS: number; durationS: number; lanes: number }): Promise<OrderRun> {
  if (command.warmupS > 0) await closedLoop(send, command.lanes, command.warmupS);
  const cpuSince = measureCpu([{ name: "one-process", pid: process.pid }]);
  const measured = await closedLoop(send, command.lanes, command.durationS);
  const cpuMs = cpuSince();
  return { ...summarize(measured.tally, measured.seconds), cpuMs, accepted202Ends: await followUp(measured.tally.acceptedIds, statusOf, 20_000) };
}

console.log(JSON.stringify({ ready: true }));
for await (const line of console) {
  if (line.trim() === "stop") break;
  if (line.trim()) console.log(JSON.stringify(await measure(JSON.parse(line))));
}
await mesh.stop();
process.exit(0);
