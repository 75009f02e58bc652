/**
 * The read-wait bench's load, from its own Bun process: ROUNDS orders placed one after another on
 * GATEWAY_URL for a customer of its own (registered here, credit set with ADMIN_KEY), each followed
 * at once by a read of that customer's report (reporting's read model): every even round with the
 * order's `x-consistency-token` (the read waits until reporting has applied the order), every odd
 * round without (it answers what reporting has, and is stale when the order is not in it yet).
 * Prints one JSON line: the latencies of both kinds of read and how many reads without the token were stale.
 */
import { summarizeLatencies } from "../lib/order-load";

const env = process.env;
const gatewayUrl = env["GATEWAY_URL"]!;
const productId = env["PRODUCT_ID"]!;
const rounds = Number(env["ROUNDS"] ?? 200);
const admin = { authorization: `Bearer ${env["ADMIN_KEY"]}` };

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${gatewayUrl}${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = { status: res.status, body: (await res.json()) as any, token: res.headers.get("x-consistency-token") };
  if (answer.status >= 300 && answer.status !== 503) throw new Error(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer;
}

const customer = (await call("POST", "/api/users", { email: `read-wait-${Date.now()}@example.com`, name: "Read Wait" })).body;
await call("PUT", `/api/customers/${customer.id}/credit`, { limitCents: 1_000_000_000 }, admin);
const withToken: number[] = [];
const without: number[] = [];
let stale = 0;
let behind = 0;
for (let round = 0; round < rounds; round += 1) {
  const placed = await call("POST", "/api/orders", { customerId: customer.id, items: [{ productId, quantity: 1 }] });
  const waits = round % 2 === 0;
  const started = performance.now();
  const report = await call("GET", `/api/reports/customers/${customer.id}`, undefined, waits ? { "x-consistency-token": placed.token! } : {});
  (waits ? withToken : without).push(performance.now() - started);
  if (report.status === 503) behind += 1;
  else if (!waits && report.body.orders < round + 1) stale += 1;
}
console.log(JSON.stringify({ rounds, withToken: summarizeLatencies(withToken), without: summarizeLatencies(without), staleWithout: stale, behind503: behind }));
process.exit(0);
