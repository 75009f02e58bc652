/**
 * A cancellation payments cannot refund (its capture is missing), over real processes and a real
 * nats-server: the message goes to the dead letters, the order shows CANCEL_STUCK with the reason,
 * and once the capture is back an operator's `mesh dlq replay` ends it CANCELLED with one refund.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { join } from "node:path";
import { runDlqCommand } from "../shared/mesh/dlq-command";
import { startNats, stopAll, trpcMutation, trpcQuery, waitFor, type RunningNats } from "./support/processes";
import { startMesh, type TestMesh } from "./support/mesh";

let nats: RunningNats;
let mesh: TestMesh;

beforeAll(async () => {
  nats = await startNats();
  const env = { PEER_TIMEOUT_MS: "10000", CONSUMER_MAX_DELIVER: "1", CANCEL_STUCK_AFTER_MS: "1500" };
  mesh = await startMesh({ natsUrl: nats.url, workers: ["users", "catalog", "inventory", "payments", "orders"], env });
}, 120_000);
afterAll(stopAll);

const data = (result: { status: number; body: any }) => {
  if (result.status !== 200) throw new Error(`call failed (${result.status}): ${JSON.stringify(result.body)}`);
  return result.body.result.data;
};
const orderOf = async (id: string) => data(await trpcQuery(mesh.url("orders"), "get", { id }));

function dlq(args: string[]) {
  const lines: string[] = [];
  return runDlqCommand(args, { natsUrl: nats.url, print: (line) => void lines.push(line), printError: (line) => void lines.push(line) }).then((code) => ({ code, lines }));
}

describe("a cancellation that cannot be refunded", () => {
  it("is dead-lettered, shows CANCEL_STUCK with the reason, and ends CANCELLED once fixed and replayed", async () => {
    const customer = data(await trpcMutation(mesh.url("users"), "register", { email: "stuck@example.com", name: "Stuck" }));
    const product = data(await trpcMutation(mesh.url("catalog"), "create", { sku: "STK-1", name: "Stuck item", priceCents: 400 }));
    data(await trpcMutation(mesh.url("inventory"), "setStock", { productId: product.id, onHand: 5 }));
    data(await trpcMutation(mesh.url("payments"), "setCreditLimit", { customerId: customer.id, limitCents: 2_000 }));
    const order = data(await trpcMutation(mesh.url("orders"), "place", { customerId: customer.id, items: [{ productId: product.id, quantity: 2 }] })).order;
    expect(order.status).toBe("CONFIRMED");

    // payments captures on orders.order.confirmed, after the answer; then the capture disappears
    // behind payments' back: the refund cannot be made.
    await waitFor("payments to capture", async () => {
      const rows = (data(await trpcQuery(mesh.url("payments"), "payments", { orderId: order.id })) as { items: { status: string }[] }).items;
      return rows[0]?.status === "CAPTURED" ? true : undefined;
    });
    const payments = new Database(join(mesh.dataDir, "payments.db"));
    const captured = payments.prepare("select * from payments where order_id = ?").get(order.id) as Record<string, unknown>;
    payments.prepare("delete from payments where order_id = ?").run(order.id);

    data(await trpcMutation(mesh.url("orders"), "cancel", { id: order.id, idempotencyKey: `stuck-${order.id}` }));
    const stuck = await waitFor(
      "CANCEL_STUCK",
      async () => {
        const now = await orderOf(order.id);
        return now.status === "CANCEL_STUCK" ? now : undefined;
      },
      60_000,
    );
    expect(stuck.cancellation.stockReturnedAt).not.toBeNull();
    expect(stuck.cancellation.stuckReason).toMatch(/no payments\.payment\.refunded within 1500 ms/);
    const letters = await waitFor(
      "the dead letter",
      async () => {
        const listed = await dlq(["list"]);
        return listed.lines.some((line) => line.includes("payments-orders")) ? listed.lines : undefined;
      },
      30_000,
    );
    const letter = letters.find((line) => line.includes("payments-orders"))!;
    expect(letter).toContain(`payment for order ${order.id} not found`);

    // Fixed: the capture is back; the operator replays the dead letter.
    const columns = Object.keys(captured);
    payments.prepare(`insert into payments (${columns.join(", ")}) values (${columns.map(() => "?").join(", ")})`).run(...columns.map((column) => captured[column]));
    payments.close();
    expect((await dlq(["replay", letter.split("\t")[0]!])).code).toBe(0);
    await waitFor("CANCELLED", async () => ((await orderOf(order.id)).status === "CANCELLED" ? true : undefined), 60_000);
    const audit = data(await trpcQuery(mesh.url("payments"), "audit", null));
    expect(audit.refunds.filter((refund: { orderId: string }) => refund.orderId === order.id)).toMatchObject([{ amountCents: 800 }]);
    expect(data(await trpcQuery(mesh.url("inventory"), "get", { productId: product.id }))).toMatchObject({ onHand: 5, reserved: 0 });
  }, 120_000);
});
