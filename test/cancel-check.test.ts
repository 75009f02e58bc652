/**
 * Acceptance 3 of order cancellation: `npm run mesh -- check` against a real mesh passes after a
 * mixed run of orders and cancellations, and fails naming the order once a refund row is deleted
 * behind payments' back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { join } from "node:path";
import { bunBin, runToEnd, startNats, stopAll, trpcMutation, trpcQuery, waitFor } from "./support/processes";
import { startMesh, type TestMesh } from "./support/mesh";

let mesh: TestMesh;

beforeAll(async () => {
  const nats = await startNats();
  mesh = await startMesh({ natsUrl: nats.url, workers: ["users", "catalog", "inventory", "payments", "orders", "reporting"], env: { PEER_TIMEOUT_MS: "10000" } });
}, 120_000);
afterAll(stopAll);

const data = (result: { status: number; body: any }) => {
  if (result.status !== 200) throw new Error(`call failed (${result.status}): ${JSON.stringify(result.body)}`);
  return result.body.result.data;
};

async function check(args: string[] = []) {
  const urls = (["inventory", "payments", "orders", "reporting"] as const).flatMap((name) => ["--url", `${name}=${mesh.url(name)}`]);
  const result = await runToEnd(bunBin, ["run", "shared/mesh/cli.ts", "check", ...args, ...urls], { DATA_DIR: mesh.dataDir });
  return {
    code: result.code,
    output: result.output,
    report: JSON.parse(result.output.slice(result.output.indexOf("{"))) as { ok: boolean; checked: Record<string, number>; violations: any[] },
  };
}

let cancelledId = "";

describe("mesh check knows cancellation", () => {
  it("passes after a mixed run of orders and cancellations", async () => {
    const customer = data(await trpcMutation(mesh.url("users"), "register", { email: "cancel-check@example.com", name: "Mixed" }));
    const product = data(await trpcMutation(mesh.url("catalog"), "create", { sku: "CCK-1", name: "Mixed item", priceCents: 300 }));
    data(await trpcMutation(mesh.url("inventory"), "setStock", { productId: product.id, onHand: 20 }));
    data(await trpcMutation(mesh.url("payments"), "setCreditLimit", { customerId: customer.id, limitCents: 5_000 }));
    const place = async (quantity: number) => data(await trpcMutation(mesh.url("orders"), "place", { customerId: customer.id, items: [{ productId: product.id, quantity }] })).order;

    const orders = [await place(2), await place(1), await place(3), await place(50)];
    expect(orders.map((order) => order.status)).toEqual(["CONFIRMED", "CONFIRMED", "CONFIRMED", "REJECTED"]);
    for (const order of [orders[0], orders[2]]) data(await trpcMutation(mesh.url("orders"), "cancel", { id: order.id, idempotencyKey: `k-${order.id}` }));
    cancelledId = orders[0].id;
    for (const order of [orders[0], orders[2]]) {
      await waitFor(`order ${order.id} CANCELLED`, async () => (data(await trpcQuery(mesh.url("orders"), "get", { id: order.id })).status === "CANCELLED" ? true : undefined), 60_000);
    }

    // --settle 0: the one left CONFIRMED must be committed and captured too (inventory and payments take orders.order.confirmed).
    const result = await check(["--json", "--wait", "20", "--settle", "0"]);
    expect(result.code, result.output).toBe(0);
    expect(result.report.violations).toEqual([]);
    expect(result.report.checked).toMatchObject({ orders: 4, confirmed: 1, cancelled: 2, rejected: 1, refunds: 2 });
  }, 120_000);

  it("fails naming the order when its refund row is deleted behind payments' back", async () => {
    const payments = new Database(join(mesh.dataDir, "payments.db"));
    payments.prepare("delete from refunds where order_id = ?").run(cancelledId);
    payments.close();

    const result = await check(["--json"]);
    expect(result.code).toBe(1);
    expect(result.report.violations).toEqual(expect.arrayContaining([expect.objectContaining({ rule: "cancellation.refund_count", orderId: cancelledId, worker: "payments" })]));
    const text = await runToEnd(
      bunBin,
      ["run", "shared/mesh/cli.ts", "check", "--url", `inventory=${mesh.url("inventory")}`, "--url", `payments=${mesh.url("payments")}`, "--url", `orders=${mesh.url("orders")}`],
      { DATA_DIR: mesh.dataDir },
    );
    expect(text.code).toBe(1);
    expect(text.output).toContain(`cancellation.refund_count  order ${cancelledId}  [payments]`);
  }, 60_000);
});
