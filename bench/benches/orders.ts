/**
 * 4. Order placement through the gateway (the whole saga), counted only when it ended CONFIRMED.
 * Each side runs alone (its own nats-server and data dir, nothing else up): started, warmed, its
 * closed-loop saturation runs, its open loop at half its own saturation rate, stopped. The
 * untraced mesh and each compared side run in turns (untraced, traced, untraced, store, …, twice
 * over), and a side's ratio to untraced is the median of the per-pair ratios. Then one untraced
 * mesh idle (CPU per process, RSS) and a growth run of one customer's orders in rounds.
 */
import type { LoadSettings } from "../lib/autocannon";
import { sampledRatio, type BenchContext, type SeededMesh } from "../lib/context";
import type { SideSpec } from "../lib/order-sides";
import { addAims, addGrowth, medianCpu, medianRate, pairRatio, sideFigure } from "../lib/order-report";
import { visitGrowth, visitSide, type GrowthPlan, type Visit, type VisitPlan } from "../lib/order-visit";
import { orderBody } from "../lib/seed";
import { emptyResult, type Bench } from "../lib/types";

/** A fixed-body order load for autocannon (the startup bench and the profiler): the first customer, the representative product. */
export function orderLoad(mesh: SeededMesh, settings: LoadSettings): { url: string; settings: LoadSettings } {
  return {
    url: `${mesh.gatewayUrl}/api/orders`,
    settings: { ...settings, method: "POST", headers: { "content-type": "application/json" }, body: orderBody(mesh) },
  };
}

interface Plan {
  visit: VisitPlan;
  /** Turns of (untraced, compared side) per compared side. */
  pairs: number;
  growth: GrowthPlan;
}

const untraced: SideSpec = { label: "untraced", kind: "mesh", mesh: "plain" };
const compared: SideSpec[] = [
  { label: "traced (OTLP export)", kind: "mesh", mesh: "traced" },
  { label: "traced to the mesh's own trace store", kind: "mesh", mesh: "store" },
  { label: `traced, ${sampledRatio * 100}% sampled`, kind: "mesh", mesh: "sampled" },
  { label: "one process", kind: "one-process" },
];

function planOf(quick: boolean, lanes: number): Plan {
  const seed = quick ? { customers: 20, products: 10 } : { customers: 1000, products: 100 };
  return {
    visit: { seed, lanes, warmupS: quick ? 1 : 8, saturationRuns: 2, durationS: quick ? 1 : 6, openWarmupS: quick ? 0 : 2 },
    pairs: quick ? 1 : 2,
    growth: { seed, lanes, warmupS: quick ? 1 : 5, settleS: quick ? 1 : 30, idleS: quick ? 2 : 30, rounds: quick ? 2 : 10, ordersPerRound: quick ? 200 : 5000 },
  };
}

const planText = (plan: Plan) =>
  `each visit: ${plan.visit.seed.customers} customers and ${plan.visit.seed.products} products seeded, ${plan.visit.warmupS} s warm-up, ` +
  `${plan.visit.saturationRuns} × ${plan.visit.durationS} s closed loop of ${plan.visit.lanes} in flight, then ${plan.visit.openWarmupS} s + ${plan.visit.durationS} s ` +
  `open loop at half its saturation; turns untraced → side, ${plan.pairs}× per compared side; growth: ${plan.growth.rounds} rounds of ${plan.growth.ordersPerRound} ` +
  `after ${plan.growth.warmupS} s warm-up on the mix; idle: ${plan.growth.idleS} s after ${plan.growth.settleS} s`;

const measuredText =
  "POST /api/orders on the gateway, each request a new body (one line item, quantity 1, no Idempotency-Key): customer and product " +
  "picked by a PRNG of fixed seed over the seeded customers (1,000, each with ample credit) and products (100, ample stock), seeded " +
  "through the gateway's REST API, so every side sees the same mix. An order counts only when it came back 201 CONFIRMED; 202s are " +
  "counted apart and looked up afterwards. Each side runs ALONE, on its own nats-server and data dir, with no other mesh up: started, " +
  "seeded, warmed, its closed-loop saturation runs, then an open loop at half of its own saturation rate (request i at t0 + i/rate " +
  "whatever the answers, latency from the scheduled time: no coordinated omission), then stopped whole before the next starts. Sides: " +
  "the launcher mesh untraced (TRACE_STORE=off); every span exported over OTLP/HTTP to a local sink; every span to the mesh's own trace " +
  `store; OTEL_TRACES_SAMPLER=parentbased_traceidratio at ${sampledRatio}; and the one-process baseline (the seven workers built in one Bun ` +
  "process by their own factories, peer calls handed to the callee's app.fetch, relays and consumers on a real nats-server, its load " +
  "loop inside it). The untraced mesh and each compared side run in turns (untraced, side, untraced, next side, … and the whole turn " +
  "again), each start warmed; a side's ratio to untraced is the median of the per-pair ratios (the side ÷ the untraced visit just " +
  "before it). CPU: utime+stime of every process of the side (all threads, from /proc) over exactly the measured window: the seven " +
  "workers, the telemetry process when there is one, the launcher (`mesh up`) and nats-server (the one process: it and its " +
  "nats-server), each one's share stated, and the figure without nats-server beside the one with it; the load client is not counted. " +
  "Growth: one untraced mesh alone, idle first (CPU ms/s of each process over the idle window, each worker's VmRSS), then warmed on the mix, then one " +
  "customer's orders in rounds of a fixed count at saturation (closed loop), CPU per order and orders/s per round, last ÷ first, RSS after.";

/** Untraced, side 1, untraced, side 2, …, `pairs` times over; each visit alone. */
async function visitAll(ctx: BenchContext, plan: Plan) {
  const pairs = new Map<SideSpec, [Visit, Visit][]>(compared.map((spec) => [spec, []]));
  const base: Visit[] = [];
  for (let turn = 0; turn < plan.pairs; turn++) {
    for (const spec of compared) {
      const a = await visitSide(ctx, untraced, plan.visit);
      const b = await visitSide(ctx, spec, plan.visit);
      base.push(a);
      pairs.get(spec)!.push([b, a]);
      for (const v of [a, b])
        process.stdout.write(`  ${v.label}: ${medianRate(v.saturation)} confirmed/s, ${medianCpu(v.saturation)} ms CPU per confirmed order, p99 ${v.open.p99Ms} ms at ${v.rate}/s\n`);
    }
  }
  return { base, pairs };
}

export const ordersBench: Bench = {
  name: "orders",
  title: "Order placement through the gateway: each side alone, mesh against one process, with and without tracing; growth and idle",
  async run(ctx) {
    const result = emptyResult(this, measuredText);
    const plan = planOf(ctx.settings.quick, ctx.settings.connections);
    const conditions = { tool: "bench/lib/order-load.ts (Bun; every body read)", plan: planText(plan) };
    await ctx.stopMesh();
    const { base, pairs } = await visitAll(ctx, plan);
    const growth = await visitGrowth(ctx, plan.growth);
    for (const [label, visits] of [[untraced.label, base], ...compared.map((spec) => [spec.label, pairs.get(spec)!.map(([b]) => b)])] as [string, Visit[]][]) {
      const { perProcess, ...figure } = sideFigure(label, visits, conditions);
      result.figures.push({ ...figure, perProcess });
      result.notes.push(`${label}: CPU ms per confirmed order by process in its median run (all threads, from /proc): ${figure.values.cpuMsByProcess}.`);
    }
    addGrowth(result, growth, conditions);
    const [traced, store, sampled, one] = compared.map((spec) => pairs.get(spec)!);
    Object.assign(result.ratios, {
      tracedOverUntracedCpu: pairRatio(traced!, medianCpu),
      traceStoreOverUntracedCpu: pairRatio(store!, medianCpu),
      sampledOverUntracedCpu: pairRatio(sampled!, medianCpu),
      oneProcessOverMeshCpu: pairRatio(one!, medianCpu),
      tracedOverUntracedThroughput: pairRatio(traced!, medianRate),
      sampledOverUntracedThroughput: pairRatio(sampled!, medianRate),
      oneProcessOverMeshThroughput: pairRatio(one!, medianRate),
    });
    const untracedRuns = base.flatMap((v) => v.saturation);
    addAims(
      result,
      untracedRuns,
      base.map((v) => v.open),
      one!.flatMap(([b]) => b.saturation),
      growth,
    );
    return result;
  },
};
