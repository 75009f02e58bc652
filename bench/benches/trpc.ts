/**
 * 1. tRPC call overhead: catalog's `get` query (the real worker, started by its main.ts) against
 * a bare Hono route in a Bun process reading the same row from the same DB file.
 */
import { join } from "node:path";
import { freePort } from "../../test/support/processes";
import { autocannon, conditionsOf, ratio } from "../lib/autocannon";
import { startWorkerLike } from "../lib/context";
import { emptyResult, type Bench } from "../lib/types";

export const trpcBench: Bench = {
  name: "trpc",
  title: "tRPC query vs bare Hono route (one SQLite row by id)",
  async run(ctx) {
    const result = emptyResult(
      this,
      "GET /trpc/get?input={id} on the catalog worker (Hono + the kit's single-call tRPC route, which falls back to @hono/trpc-server for batches + tracing/domain-error middleware + zod + Drizzle) " +
        "against GET /products/:id on bench/servers/bare-hono.ts (Hono + a prepared bun:sqlite statement) on the same catalog.db, " +
        "both answering the same product JSON. The worker runs as in a mesh (MESH_TOKEN_SECRET set), so each call carries a " +
        "service token (HS256 JWT, as the gateway sends) that the worker verifies. Client and servers on the same machine.",
    );
    const catalog = await ctx.catalog();
    const port = await freePort();
    const bare = await startWorkerLike("bench/servers/bare-hono.ts", { DB_FILE: join(catalog.dataDir, "catalog.db"), PORT: String(port) }, `http://127.0.0.1:${port}/health`);
    const trpcUrl = `${catalog.worker.url}/trpc/get?input=${encodeURIComponent(JSON.stringify({ id: catalog.productId }))}`;
    const bareUrl = `http://127.0.0.1:${port}/products/${catalog.productId}`;
    const settings = ctx.settings;
    // Bare first, then tRPC: each side gets the same warm-up and the same run length.
    const bareFigures = await autocannon(bareUrl, settings);
    const trpcFigures = await autocannon(trpcUrl, { ...settings, headers: await ctx.directHeaders("catalog") });
    await bare.stop();

    const payload = "GET, no body; answer = one product (~300 B JSON)";
    result.figures.push(
      { label: "bare Hono route (Bun, bun:sqlite prepared)", conditions: conditionsOf(settings, payload), values: bareFigures },
      { label: "catalog worker tRPC get", conditions: conditionsOf(settings, payload), values: trpcFigures },
    );
    const r = ratio(trpcFigures.requestsPerSec, bareFigures.requestsPerSec);
    result.ratios["trpcOverBare"] = r;
    result.notes.push("Not one of the aims since issue 13 (the old aim was ≥ 0.8): it says what the stack costs per request against a bare route.");
    return result;
  },
};
