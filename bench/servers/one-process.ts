/**
 * The orders bench's one-process baseline as a process of its own: the seven workers built in it
 * (bench/lib/one-process-mesh.ts) on NATS_URL, telemetry started once with no exporter, seeded
 * through its gateway with CUSTOMERS customers and PRODUCTS products. It prints `{"ready":true}`,
 * then takes one command per stdin line: a LoadCommand (bench/lib/order-load.ts) runs that load in
 * this process (each request a new body from the PRNG mix), measuring the CPU of the command's pids
 * (this process and its nats-server) over the measured window only, and prints one JSON line (an
 * OrderRun); `stop` stops the workers and exits. Env: NATS_URL, MESH_TOKEN_SECRET, ADMIN_API_KEY.
 */
import { startTelemetry } from "../../telemetry/sdk";
import { tempDir } from "../../test/support/processes";
import { buildOneProcessMesh } from "../lib/one-process-mesh";
import { runLoadCommand, type LoadCommand, type SendOrder } from "../lib/order-load";
import { orderMix, seedMesh } from "../lib/seed";

const env = process.env;
await startTelemetry({ serviceName: "one-process", serviceVersion: "0.0.0", env: {} });
const mesh = await buildOneProcessMesh({ dataDir: tempDir("bench-one-process"), natsUrl: env["NATS_URL"]!, secret: env["MESH_TOKEN_SECRET"]!, adminApiKey: env["ADMIN_API_KEY"]! });
const base = "http://gateway.in-process";
const fixtures = await seedMesh(base, env["ADMIN_API_KEY"]!, { customers: Number(env["CUSTOMERS"] ?? 1), products: Number(env["PRODUCTS"] ?? 50) }, mesh.fetch);

const sendWith =
  (nextBody: () => string): SendOrder =>
  async () => {
    const res = await mesh.fetch(new Request(`${base}/api/orders`, { method: "POST", headers: { "content-type": "application/json" }, body: nextBody() }));
    const text = await res.text();
    return { status: res.status, body: text.startsWith("{") ? JSON.parse(text) : null };
  };
const statusOf = async (id: string) => {
  const res = await mesh.fetch(new Request(`${base}/api/orders/${id}`));
  return res.ok ? (((await res.json()) as { status?: string }).status ?? null) : null;
};

console.log(JSON.stringify({ ready: true }));
for await (const line of console) {
  if (line.trim() === "stop") break;
  if (!line.trim()) continue;
  const command = JSON.parse(line) as LoadCommand;
  const mix = orderMix(command.oneCustomer ? { ...fixtures, customerIds: fixtures.customerIds.slice(0, 1) } : fixtures);
  console.log(JSON.stringify(await runLoadCommand(command, sendWith(mix), statusOf)));
}
await mesh.stop();
process.exit(0);
