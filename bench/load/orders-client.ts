/**
 * The orders bench's load on a mesh, from its own Bun process: POST /api/orders on GATEWAY_URL,
 * each request a new body from the fixtures in FIXTURES_FILE (JSON {customerIds, productIds}; the
 * PRNG mix of bench/lib/seed.ts), running COMMAND (JSON, bench/lib/order-load.ts's LoadCommand:
 * closed or open loop, CPU of its pids over the measured window). Prints one JSON line (an OrderRun).
 */
import { readFileSync } from "node:fs";
import { runLoadCommand, type LoadCommand, type SendOrder } from "../lib/order-load";
import { orderMix, type Fixtures } from "../lib/seed";

const env = process.env;
const gatewayUrl = env["GATEWAY_URL"]!;
const command = JSON.parse(env["COMMAND"]!) as LoadCommand;
const fixtures = JSON.parse(readFileSync(env["FIXTURES_FILE"]!, "utf8")) as Fixtures;
const nextBody = orderMix(command.oneCustomer ? { ...fixtures, customerIds: fixtures.customerIds.slice(0, 1) } : fixtures);

const send: SendOrder = async () => {
  const res = await fetch(`${gatewayUrl}/api/orders`, { method: "POST", headers: { "content-type": "application/json" }, body: nextBody() });
  const text = await res.text();
  return { status: res.status, body: text.startsWith("{") ? JSON.parse(text) : null };
};
const statusOf = async (id: string) => {
  const res = await fetch(`${gatewayUrl}/api/orders/${id}`).catch(() => null);
  return res?.ok ? (((await res.json()) as { status?: string }).status ?? null) : null;
};

console.log(JSON.stringify(await runLoadCommand(command, send, statusOf)));
process.exit(0);
