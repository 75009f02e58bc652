import { afterAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { startWorker, stopAll, tempDir, trpcMutation, trpcQuery } from "./support/processes";

afterAll(stopAll);

describe("catalog as a real Bun process (bun:sqlite)", () => {
  it("searches products over HTTP with FTS5: attribute values, prefix, bm25 order, hostile input", async () => {
    const dataDir = tempDir("catalog-proc");
    const catalog = await startWorker("catalog", { DATA_DIR: dataDir });
    expect(existsSync(join(dataDir, "catalog.db"))).toBe(true);

    const created = [];
    for (const product of [
      { sku: "TEA-GRN", name: "Loose leaf tea", priceCents: 900, description: "Pairs with a teapot", attributes: { origin: "Japan" } },
      { sku: "POT-1", name: "Cast iron teapot", priceCents: 5400, attributes: { origin: "Japan", capacityMl: 800 } },
      { sku: "CUP-1", name: "Porcelain cup", priceCents: 700, attributes: { origin: "Portugal" } },
    ]) {
      const res = await trpcMutation(catalog.url, "create", product);
      expect(res.status).toBe(200);
      created.push(res.body.result.data);
    }
    expect(created[0].inStock).toBeNull();

    const byAttribute = await trpcQuery(catalog.url, "search", { q: "japan" });
    expect(byAttribute.status).toBe(200);
    expect(byAttribute.body.result.data.items.map((p: { sku: string }) => p.sku).sort()).toEqual(["POT-1", "TEA-GRN"]);

    // "teap" is a prefix; the name match ranks above the description match though created later.
    const byPrefix = await trpcQuery(catalog.url, "search", { q: "teap" });
    expect(byPrefix.body.result.data.items.map((p: { sku: string }) => p.sku)).toEqual(["POT-1", "TEA-GRN"]);

    // Input that is FTS5 syntax as raw text: a lone quote, a bare operator and a bracket.
    const hostile = await trpcQuery(catalog.url, "search", { q: '"porc' });
    expect(hostile.status).toBe(200);
    expect(hostile.body.result.data.items.map((p: { sku: string }) => p.sku)).toEqual(["CUP-1"]);
    const operator = await trpcQuery(catalog.url, "search", { q: "AND (" });
    expect(operator.status).toBe(200);
    expect(operator.body.result.data.items).toEqual([]);

    const updated = await trpcMutation(catalog.url, "update", { id: created[2].id, name: "Stoneware cup" });
    expect(updated.status).toBe(200);
    expect((await trpcQuery(catalog.url, "search", { q: "stonew" })).body.result.data.items.map((p: { sku: string }) => p.sku)).toEqual(["CUP-1"]);
    expect(await catalog.kill("SIGTERM")).toBe(0);
  });
});
