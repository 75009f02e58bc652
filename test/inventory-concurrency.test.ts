import { afterAll, describe, expect, it } from "vitest";
import { startWorker, stopAll, tempDir, trpcMutation, trpcQuery } from "./support/processes";

afterAll(stopAll);

describe("inventory under concurrent reservations (real Bun process, bun:sqlite)", () => {
  it("never oversells: 200 concurrent reserves of one unit against 50 on hand reserve exactly 50", async () => {
    const inventory = await startWorker("inventory", { DATA_DIR: tempDir("inventory-concurrency") });
    const productId = "product-hot";
    expect((await trpcMutation(inventory.url, "setStock", { productId, onHand: 50 })).status).toBe(200);

    const answers = await Promise.all(Array.from({ length: 200 }, (_, n) => trpcMutation(inventory.url, "reserve", { orderId: `order-${n}`, lines: [{ productId, quantity: 1 }] })));
    const reserved = answers.filter((a) => a.status === 200 && a.body.result.data.status === "RESERVED");
    const outOfStock = answers.filter((a) => a.status === 409 && a.body.error.data.domainCode === "OUT_OF_STOCK");
    expect(reserved).toHaveLength(50);
    expect(outOfStock).toHaveLength(150);

    const stock = await trpcQuery(inventory.url, "get", { productId });
    expect(stock.body.result.data).toEqual({ productId, onHand: 50, reserved: 50, available: 0 });
    const reservations: { status: string }[] = [];
    for (let cursor: string | undefined, page = 0; page === 0 || cursor; page++) {
      const { items, nextCursor } = (await trpcQuery(inventory.url, "reservations", { limit: 100, ...(cursor ? { cursor } : {}) })).body.result.data;
      reservations.push(...items);
      cursor = nextCursor ?? undefined;
    }
    expect(reservations.filter((r) => r.status === "RESERVED")).toHaveLength(50);
    expect(reservations.filter((r) => r.status === "REJECTED")).toHaveLength(150);
    await inventory.kill("SIGTERM");
  });

  it("never oversells across two processes sharing the file: immediate transactions serialize the check and the write", async () => {
    const dataDir = tempDir("inventory-two-procs");
    // One after the other, so the second finds the file already migrated.
    const a = await startWorker("inventory", { DATA_DIR: dataDir });
    const b = await startWorker("inventory", { DATA_DIR: dataDir });
    const productId = "product-shared";
    await trpcMutation(a.url, "setStock", { productId, onHand: 50 });
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, n) => trpcMutation(n % 2 === 0 ? a.url : b.url, "reserve", { orderId: `order-${n}`, lines: [{ productId, quantity: 1 }] })),
    );
    expect(answers.filter((x) => x.status === 200)).toHaveLength(50);
    expect(answers.filter((x) => x.status === 409)).toHaveLength(150);
    expect((await trpcQuery(b.url, "get", { productId })).body.result.data).toEqual({ productId, onHand: 50, reserved: 50, available: 0 });
    await Promise.all([a.kill("SIGTERM"), b.kill("SIGTERM")]);
  });
});
