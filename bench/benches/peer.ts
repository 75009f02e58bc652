/**
 * 5. A peer: the same service-to-service call — a query reading one product row in the callee —
 * done with Moleculer over its NATS transporter, against bunmesh's tRPC hop (the kit's peer
 * client to the catalog worker). Moleculer is a pinned devDependency (bench/peer/moleculer.ts):
 * nothing is installed while the bench runs.
 */
import { join } from "node:path";
import { bunBin, waitFor } from "../../test/support/processes";
import { ratio } from "../lib/autocannon";
import { startProcess } from "../lib/process";
import { emptyResult, type Bench } from "../lib/types";
import { moleculerMissing, moleculerVersion } from "../peer/moleculer";

export const peerBench: Bench = {
  name: "peer",
  title: "bunmesh tRPC hop vs Moleculer over NATS",
  async run(ctx) {
    const result = emptyResult(
      this,
      "A caller process (Bun) keeps 32 calls in flight for the duration and times each call (bench/peer/call-load.ts, the same loop " +
        `for both). Moleculer ${moleculerVersion} (pinned devDependency): broker.call('catalog.get', {id}) from a caller node to a callee node over the NATS transporter ` +
        "(JSON serializer, params validated), the callee reading the row with a prepared bun:sqlite statement from the same catalog.db. " +
        "bunmesh: catalog.get.query({id}) through the kit's peer client (@trpc/client httpLink + deadline/retry/breaker + tracing " +
        "link) to the catalog worker (tRPC + zod + Drizzle).",
    );
    // A pinned devDependency: missing means `npm ci` was not run, a failure (never a skipped bench).
    const why = moleculerMissing();
    if (why) throw new Error(why);
    const catalog = await ctx.catalog();
    const nats = await ctx.nats();
    const callee = startProcess(bunBin, ["run", "bench/peer/moleculer-callee.ts"], { NATS_URL: nats.url, DB_FILE: join(catalog.dataDir, "catalog.db") });
    await Promise.race([
      waitFor("moleculer callee", async () => (callee.output().includes("callee ready") ? true : undefined), 30_000),
      callee.exited.then((code) => {
        throw new Error(`moleculer callee exited ${code}: ${callee.output()}`);
      }),
    ]);
    const s = ctx.settings;
    const common = { PRODUCT_ID: catalog.productId, CONCURRENCY: String(s.connections), DURATION_S: String(s.durationS), WARMUP_S: String(s.warmupS) };
    const moleculer = await ctx.runBunScript("bench/peer/call-load.ts", { ...common, MODE: "moleculer", NATS_URL: nats.url });
    await callee.stop();
    const bunmesh = await ctx.runBunScript("bench/peer/call-load.ts", {
      ...common,
      MODE: "bunmesh",
      CATALOG_URL: catalog.worker.url,
      AUTHORIZATION: (await ctx.directHeaders("catalog"))["authorization"]!,
    });

    const conditions = {
      tool: "bench/peer/call-load.ts (separate Bun process, per-call performance.now())",
      inFlight: s.connections,
      durationS: s.durationS,
      warmupS: s.warmupS,
      payload: "request {id}; answer one product (~300 B JSON)",
    };
    result.figures.push(
      { label: `Moleculer ${moleculerVersion} over NATS`, conditions, values: moleculer },
      { label: "bunmesh peer client → catalog tRPC", conditions, values: bunmesh },
    );
    const r = ratio(bunmesh.callsPerSec, moleculer.callsPerSec);
    result.ratios["bunmeshOverMoleculer"] = r;
    result.aims.push({ aim: "peer hop ≥ 0.5× Moleculer's calls/s (bunmesh ÷ Moleculer)", value: r, met: r >= 0.5 });
    return result;
  },
};
