/** mesh new's checks before writing: names refused in one line (bad, taken, reserved), a --consumes of a worker that does not exist or publishes nothing, and the plan of a good request. */
import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { discoverWorkers } from "../discover";
import { readMeshSettings, repoRoot } from "../settings";
import { NewWorkerRefused, planNewWorker, reservedWorkerNames } from "./request";

/** A name no folder holds yet (the tree may hold workers made with mesh new, such as the README's fulfilment). */
const freeName = (base: string) => [base, ...Array.from({ length: 50 }, (_, n) => `${base}${n + 1}`)].find((name) => !existsSync(join(repoRoot, "workers", name)))!;

const refusal = (args: string[]) =>
  planNewWorker(repoRoot, args).then(
    () => "planned",
    (error: unknown) => (error instanceof NewWorkerRefused ? error.message : `not a refusal: ${String(error)}`),
  );

describe("mesh new's request", () => {
  it("refuses a name that is not lower-case letters and digits starting with a letter, naming the rule", async () => {
    for (const name of ["Shipping", "9lives", "ship-ping", "ship_ping", "", "a".repeat(33)]) {
      expect(await refusal([name]), name).toMatch(/^(worker name .* refused: use lower-case letters and digits, starting with a letter|give one worker name)/);
    }
  });

  it("refuses an existing worker and every reserved name", async () => {
    expect(await refusal(["users"])).toBe("worker users exists already (workers/users/); choose another name");
    for (const name of reservedWorkerNames) expect(await refusal([name]), name).toMatch(/is reserved|exists already/);
  });

  it("refuses a --consumes of an unknown worker, of one that publishes nothing, of an event it does not publish, and unknown options", async () => {
    expect(await refusal(["x", "--consumes", "nope"])).toMatch(/^--consumes nope: there is no worker nope \(workers are .*users\)$/);
    expect(await refusal(["x", "--consumes", "reporting"])).toBe("--consumes reporting: reporting publishes nothing (no workers/reporting/events.ts)");
    expect(await refusal(["x", "--consumes", "orders", "--event", "orders.order.lost"])).toMatch(
      /^--event orders.order.lost: orders publishes no such event \(it publishes orders.order.placed, orders.order.confirmed/,
    );
    expect(await refusal(["x", "--frob"])).toMatch(/^Unknown option '--frob'; usage: npm run mesh -- new <name>/);
    expect(await refusal(["x", "y"])).toMatch(/^give one worker name/);
  });

  it("plans a consumer of orders.order.confirmed one past the highest port offset, its read model keyed by orderId", async () => {
    const highest = Math.max(...(await discoverWorkers(repoRoot, readMeshSettings({}))).map((spec) => spec.portOffset));
    const name = freeName("fulfilment");
    const plan = await planNewWorker(repoRoot, [name, "--consumes", "orders", "--event", "orders.order.confirmed"]);
    expect(plan).toMatchObject({ name, portOffset: highest + 1, ownsData: false, publishes: false });
    expect(plan.consumes).toMatchObject({
      owner: "orders",
      exportName: "orderConfirmed",
      table: "confirmedOrders",
      sqlTable: "confirmed_orders",
      row: "confirmedOrder",
      key: { field: "orderId" },
    });
    expect(plan.consumes!.columns.map((column) => column.field)).toEqual(["customerId", "totalCents", "confirmedAt"]);
  });

  it("takes the first event of the publisher's list without --event, and makes --publishes own data", async () => {
    expect((await planNewWorker(repoRoot, [freeName("x"), "--consumes", "orders"])).consumes!.subject).toBe("orders.order.placed");
    expect(await planNewWorker(repoRoot, [freeName("x"), "--publishes"])).toMatchObject({ ownsData: true, publishes: true, consumes: null });
  });
});
