/**
 * What read-your-writes costs: right after an order, the customer's report (reporting's read
 * model) read with the order's consistency token, against the same read without it, on a
 * launcher mesh. The difference of the medians is what waiting for the write costs a reader.
 */
import { ratio } from "../lib/autocannon";
import { emptyResult, type Bench } from "../lib/types";

export const readWaitBench: Bench = {
  name: "read-wait",
  title: "A read of a read model with the write's consistency token vs without",
  async run(ctx) {
    const result = emptyResult(
      this,
      "Mesh started by the launcher (all 7 workers, NATS), one client process (bench/load/read-wait-client.ts): orders placed one " +
        "after another (POST /api/orders, one line), each followed at once by GET /api/reports/customers/:id; every other round " +
        "with the order's x-consistency-token (reporting answers once it has applied the order's events, READ_WAIT_MS 2 s), the " +
        "others without (reporting answers what it has; stale when the order is not in it yet). Latency of the read only.",
    );
    const mesh = await ctx.mesh("plain");
    const rounds = ctx.settings.quick ? 20 : 400;
    const out = await ctx.runBunScript("bench/load/read-wait-client.ts", { GATEWAY_URL: mesh.gatewayUrl, PRODUCT_ID: mesh.productId, ADMIN_KEY: ctx.adminKey, ROUNDS: String(rounds) });
    const conditions = { tool: "bench/load/read-wait-client.ts (one Bun process, one request at a time)", rounds: out.rounds, read: "GET /api/reports/customers/:id" };
    result.figures.push(
      { label: "report read at once after the order, with its consistency token", conditions, values: { ...out.withToken, behind503: out.behind503 } },
      { label: "report read at once after the order, without a token", conditions, values: { ...out.without, stale: out.staleWithout } },
    );
    result.ratios["medianWithTokenOverWithout"] = ratio(out.withToken.p50Ms, out.without.p50Ms);
    result.notes.push(
      `Waiting costs ${Math.round((out.withToken.p50Ms - out.without.p50Ms) * 10) / 10} ms at the median; ${out.staleWithout} of ${out.without.count} reads without the token were stale.`,
    );
    return result;
  },
};
