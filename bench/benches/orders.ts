/**
 * 4. Order placement through the gateway (the whole saga): orders/s at saturation, then p50/p99 at
 * a fixed rate of half of that; on a plain mesh, then on a mesh exporting every span over OTLP;
 * then saturation on a mesh exporting a 10% sample of traces.
 */
import { autocannon, conditionsOf, ratio, round, type LoadFigures, type LoadSettings } from "../lib/autocannon";
import { sampledRatio, type SeededMesh } from "../lib/context";
import { availableParallelism } from "node:os";
import { measureCpu } from "../lib/process-cpu";
import { emptyResult, type Bench } from "../lib/types";

export function orderLoad(mesh: SeededMesh, settings: LoadSettings): { url: string; settings: LoadSettings } {
  return {
    url: `${mesh.gatewayUrl}/api/orders`,
    settings: {
      ...settings,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ customerId: mesh.customerId, items: [{ productId: mesh.productId, quantity: 1 }] }),
    },
  };
}

/** Orders that were placed: 2xx answers per second (201 CONFIRMED, 202 still PENDING). */
function ordersPerSec(f: LoadFigures, durationS: number): number {
  return round(((f.requests - f.non2xx) / durationS) * 1, 0);
}

export const ordersBench: Bench = {
  name: "orders",
  title: "Order placement through the gateway, with and without tracing",
  async run(ctx) {
    const result = emptyResult(
      this,
      "POST /api/orders on the gateway of a launcher mesh (one customer with ample credit, one product with ample stock, quantity 1, " +
        "no Idempotency-Key): each answer comes after orders' saga ran users → catalog → inventory reserve → payments authorize → " +
        "commit/capture (plus relays and reporting's consumers working in the background). Saturation: 32 connections as fast as " +
        "answers come; orders/s counts 2xx answers. Then a fixed overall rate (autocannon -R) of half the untraced saturation, same " +
        "rate for both meshes. Traced mesh: OTEL_EXPORTER_OTLP_ENDPOINT set for every worker, spans exported to a local OTLP sink " +
        "that answers 200. Untraced: no endpoint (context still propagates, no spans recorded). Sampled (saturation only): the traced mesh " +
        `with OTEL_TRACES_SAMPLER=parentbased_traceidratio and OTEL_TRACES_SAMPLER_ARG=${sampledRatio}, the production setting.`,
    );
    // Orders take up to a second each under load: even the smoke run gives them 3 s.
    const s = { ...ctx.settings, durationS: Math.max(ctx.settings.durationS, 3) };
    const figures: Record<string, { sat: LoadFigures; half: LoadFigures }> = {};
    let halfRate = 0;
    const cores = availableParallelism();
    const labels = { plain: "untraced", traced: "traced (OTLP export)", sampled: `traced, ${sampledRatio * 100}% sampled` } as const;
    let sampledOps: number | null = null;
    for (const kind of ["plain", "traced", "sampled"] as const) {
      const mesh = await ctx.mesh(kind);
      const sat = orderLoad(mesh, s);
      // The warm-up runs on its own so the CPU measured below is the measured run's alone.
      if (s.warmupS > 0) await autocannon(sat.url, { ...sat.settings, durationS: s.warmupS, warmupS: 0 });
      const cpuSince = measureCpu(mesh.workers);
      const saturation = await autocannon(sat.url, { ...sat.settings, warmupS: 0 });
      const cpu = cpuSince();
      const payload = `POST JSON ${sat.settings.body!.length} B (one line item)`;
      const label = labels[kind];
      result.figures.push({
        label: `${label}, saturation`,
        conditions: conditionsOf(sat.settings, payload),
        values: { ordersPerSec: ordersPerSec(saturation, s.durationS), ...saturation },
      });
      if (kind === "sampled") {
        sampledOps = ordersPerSec(saturation, s.durationS);
      } else {
        // The fixed-rate run: the same rate for both meshes, half the untraced saturation.
        if (kind === "plain") halfRate = Math.max(1, Math.round(ordersPerSec(saturation, s.durationS) / 2));
        const half = orderLoad(mesh, { ...s, overallRate: halfRate });
        const atHalf = await autocannon(half.url, half.settings);
        figures[kind] = { sat: saturation, half: atHalf };
        result.figures.push({
          label: `${label}, at ${halfRate}/s`,
          conditions: conditionsOf(half.settings, payload),
          values: { ordersPerSec: ordersPerSec(atHalf, s.durationS), ...atHalf },
        });
      }
      // Where an order's CPU goes: each worker's CPU time (all threads) during the measured
      // saturation run over the orders answered in it; cores × 1000 / the total is the ceiling.
      const answered = saturation.requests - saturation.non2xx;
      if (answered > 0 && Object.values(cpu).every((ms) => ms !== null)) {
        const total = Object.values(cpu).reduce<number>((sum, ms) => sum + ms!, 0) / answered;
        const each = Object.entries(cpu)
          .map(([name, ms]) => `${name} ${round(ms! / answered, 2)}`)
          .join(", ");
        result.notes.push(
          `${label} saturation, CPU ms per answered order by worker (all threads, from /proc): ${each}; total ${round(total, 2)} ` +
            `→ at most ~${Math.round((cores * 1000) / total)} orders/s on this machine's ${cores} cores, whatever the hops' latency.`,
        );
      }
    }
    await ctx.stopMesh();
    const plain = figures["plain"]!;
    const traced = figures["traced"]!;
    const plainOps = ordersPerSec(plain.sat, s.durationS);
    const tracedOps = ordersPerSec(traced.sat, s.durationS);
    // No order finished in a run (a 1-second smoke run on a busy machine): no ratio to state.
    const cost = plainOps > 0 ? round(1 - ratio(tracedOps, plainOps), 3) : null;
    if (cost !== null) result.ratios["tracedOverUntraced"] = ratio(tracedOps, plainOps);
    // Not an aim of the issue (which asks about full tracing): what a production-style sampler costs.
    if (sampledOps !== null && plainOps > 0) result.ratios["sampledOverUntraced"] = ratio(sampledOps, plainOps);
    const halfP99 = plain.half.requests > 0 ? plain.half.p99Ms : null;
    result.aims.push(
      { aim: "≥ 2,000 orders/s through the gateway (untraced, saturation)", value: plainOps, met: plainOps >= 2000 },
      { aim: "p99 ≤ 20 ms at half the saturation rate (untraced)", value: halfP99, met: halfP99 === null ? null : halfP99 <= 20 },
      { aim: "tracing costs ≤ 10% of order throughput", value: cost, met: cost === null ? null : cost <= 0.1 },
    );
    if (plain.sat.non2xx + plain.sat.errors > 0) result.notes.push(`untraced saturation had ${plain.sat.non2xx} non-2xx answers and ${plain.sat.errors} errors`);
    return result;
  },
};
