/**
 * 4. Order placement through the gateway (the whole saga), counted only when it ended CONFIRMED:
 * CPU per confirmed order on an untraced mesh, a fully traced mesh, a 10%-sampled mesh, an untraced
 * mesh with its output checks off (OUTPUT_VALIDATION=off: the checks' cost) and the one-process baseline (the same seven workers in one Bun process), in alternating rounds, each
 * side warmed ≥ 20 s before its first measured run; then the latency a steady stream of customers
 * sees at half the saturation rate (open loop, evenly spaced), with autocannon -R beside it and a
 * probe of how each generator spaces its requests.
 */
import { autocannon, conditionsOf, ratio, round, type LoadFigures, type LoadSettings } from "../lib/autocannon";
import { startArrivalProbe, spacingOf } from "../lib/arrivals";
import { sampledRatio, type BenchContext, type SeededMesh } from "../lib/context";
import type { OrderRun } from "../lib/order-load";
import { meshSide, oneProcessSide, uncheckedMeshSide, withIdleCpu, type OrderSide } from "../lib/order-sides";
import { orderBody } from "../lib/seed";
import { emptyResult, type Bench, type BenchResult } from "../lib/types";

export function orderLoad(mesh: SeededMesh, settings: LoadSettings): { url: string; settings: LoadSettings } {
  return {
    url: `${mesh.gatewayUrl}/api/orders`,
    settings: { ...settings, method: "POST", headers: { "content-type": "application/json" }, body: orderBody(mesh) },
  };
}

interface Plan {
  lanes: number;
  /** Warm-up of each side before its first measured run, and before each later one. */
  firstWarmupS: number;
  warmupS: number;
  durationS: number;
  rounds: number;
}

const median = (values: number[]) => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)]!;
};

/** CPU ms per confirmed order over the side's processes; NaN when no order was confirmed or a process's CPU is unknown. */
export function cpuPerConfirmed(run: OrderRun): number {
  return cpuPerConfirmedOf(run, () => true);
}

/** The same over the processes `counted` names (e.g. the workers alone, without the telemetry process). */
function cpuPerConfirmedOf(run: OrderRun, counted: (name: string) => boolean): number {
  const values = Object.entries(run.cpuMs)
    .filter(([name]) => counted(name))
    .map(([, ms]) => ms);
  if (run.confirmed === 0 || values.some((v) => v === null)) return NaN;
  return round(values.reduce<number>((sum, v) => sum + v!, 0) / run.confirmed, 2);
}

const measuredText =
  "POST /api/orders on the gateway (one customer with ample credit, one product with ample stock, quantity 1, no Idempotency-Key); each " +
  "answer comes after orders' saga ran users → catalog → inventory reserve → payments authorize → commit/capture, with relays and " +
  "reporting's consumers working in the background. Every answer's body is read: an order counts only when it came back 201 with " +
  "status CONFIRMED; 202s (saga still running after ORDER_WAIT_MS) are counted apart and looked up afterwards for their end state. " +
  "Sides, all up at once and measured in turn (round-robin, so drift hits all alike): a launcher mesh untraced (no OTLP endpoint, " +
  "TRACE_STORE=off: context propagates, nothing recorded); the same with every span exported over OTLP/HTTP to a local sink answering 200; " +
  "the same with every span exported to the mesh's own trace store (TRACE_STORE=on, the launcher's telemetry process); the same " +
  `with OTEL_TRACES_SAMPLER=parentbased_traceidratio, OTEL_TRACES_SAMPLER_ARG=${sampledRatio}; the untraced mesh with OUTPUT_VALIDATION=off ` +
  "(no answer checked against its output schema; the other sides check every one); and the one-process baseline: the seven " +
  "workers built in one Bun process by their own factories over their own DB files, peer calls handed to the callee's app.fetch (no " +
  "network), relays and consumers on a real nats-server, identity checks on, no exporter, its load loop in the same process (yielding " +
  "to the event loop before each request). Each mesh and the baseline have their own nats-server (streams are named per worker). " +
  "Saturation: a closed loop of 32 requests in flight. CPU: utime+stime of each process (all threads) over exactly the measured " +
  "window, from /proc: the mesh's seven workers and its telemetry process (not the launcher, nats-server or the load client); the one process whole (its load loop " +
  "included). Latency at half the untraced saturation rate: an open loop sending request i at t0 + i/rate whatever the answers, " +
  "latency counted from the scheduled time (no coordinated omission).";

async function startSides(ctx: BenchContext) {
  await ctx.stopMesh();
  const plain = meshSide(ctx, "untraced", await ctx.ownMesh("plain"));
  const traced = meshSide(ctx, "traced (OTLP export)", await ctx.ownMesh("traced"));
  const store = meshSide(ctx, "traced to the mesh's own trace store", await ctx.ownMesh("store"));
  const sampled = meshSide(ctx, `traced, ${sampledRatio * 100}% sampled`, await ctx.ownMesh("sampled"));
  const unchecked = await uncheckedMeshSide(ctx);
  const one = await oneProcessSide(ctx);
  return { plain, traced, store, sampled, unchecked, one, all: [plain, traced, store, sampled, unchecked, one] as OrderSide[] };
}

/** Rounds of one measured run per side, in turn; the first round's warm-up is the long one. */
async function alternate(sides: OrderSide[], plan: Plan, onIdle: (cpuMsPerS: number) => void): Promise<Map<OrderSide, OrderRun[]>> {
  const runs = new Map<OrderSide, OrderRun[]>(sides.map((side) => [side, []]));
  for (let round = 0; round < plan.rounds; round++) {
    for (const side of sides) {
      const warmupS = round === 0 ? plan.firstWarmupS : plan.warmupS;
      const { result, idleCpuMsPerS } = await withIdleCpu(
        sides.filter((s) => s !== side),
        () => side.saturate(plan.lanes, warmupS, plan.durationS),
      );
      runs.get(side)!.push(result);
      onIdle(idleCpuMsPerS);
      process.stdout.write(`  round ${round + 1}, ${side.label}: ${result.confirmedPerSec} confirmed/s, ${cpuPerConfirmed(result)} ms CPU per confirmed order\n`);
    }
  }
  return runs;
}

function saturationFigure(side: OrderSide, runs: OrderRun[], plan: Plan) {
  const cpu = runs.map(cpuPerConfirmed);
  const medianRun = runs[cpu.indexOf(median(cpu))] ?? runs[0]!;
  const perProcess = Object.entries(medianRun.cpuMs)
    .map(([name, ms]) => `${name} ${ms === null || medianRun.confirmed === 0 ? "–" : round(ms / medianRun.confirmed, 2)}`)
    .join(", ");
  const ends = runs.flatMap((r) => Object.entries(r.accepted202Ends).map(([status, n]) => `${n} ${status}`));
  return {
    label: `${side.label}, saturation`,
    conditions: {
      tool: "bench/lib/order-load.ts closed loop (Bun; every body read)",
      lanes: plan.lanes,
      durationS: plan.durationS,
      firstWarmupS: plan.firstWarmupS,
      warmupS: plan.warmupS,
      runs: runs.length,
    },
    values: {
      confirmedPerSec: median(runs.map((r) => r.confirmedPerSec)),
      cpuMsPerConfirmed: median(cpu),
      cpuMsPerConfirmedRuns: cpu.join(" / "),
      confirmedPerSecRuns: runs.map((r) => r.confirmedPerSec).join(" / "),
      p50Ms: medianRun.p50Ms,
      p90Ms: medianRun.p90Ms,
      p99Ms: medianRun.p99Ms,
      maxMs: medianRun.maxMs,
      accepted202: runs.reduce((n, r) => n + r.accepted202, 0),
      accepted202EndedAs: ends.join(", ") || "–",
      rejectedOrFailed: runs.reduce((n, r) => n + r.rejected201 + r.non2xx + r.errors, 0),
    },
    perProcess,
  };
}

/** Per round, side ÷ untraced; the median of those. */
function medianRatio(runs: OrderRun[], base: OrderRun[], of: (run: OrderRun) => number): number {
  return round(median(runs.map((run, i) => ratio(of(run), of(base[i]!)))), 3);
}

const aim = (text: string, value: number, met: (v: number) => boolean) => ({ aim: text, value: Number.isFinite(value) ? value : null, met: Number.isFinite(value) ? met(value) : null });

export const ordersBench: Bench = {
  name: "orders",
  title: "Order placement through the gateway: mesh against one process, with and without tracing",
  async run(ctx) {
    const result = emptyResult(this, measuredText);
    const q = ctx.settings.quick;
    const plan: Plan = { lanes: ctx.settings.connections, firstWarmupS: q ? 1 : 20, warmupS: q ? 1 : 3, durationS: q ? 3 : ctx.settings.durationS, rounds: q ? 1 : 3 };
    const sides = await startSides(ctx);
    try {
      const idle: number[] = [];
      const runs = await alternate(sides.all, plan, (ms) => idle.push(ms));
      for (const side of sides.all) {
        const { perProcess, ...figure } = saturationFigure(side, runs.get(side)!, plan);
        result.figures.push(figure);
        result.notes.push(`${side.label}: CPU ms per confirmed order by process in its median run (all threads, from /proc): ${perProcess}.`);
      }
      result.notes.push(`While one side ran, the idle sides burned ${Math.min(...idle)}–${Math.max(...idle)} ms of CPU per second between them (their timers and loops).`);
      await halfRate(ctx, result, sides.plain, runs.get(sides.plain)!, plan);
      judge(result, runs, sides);
    } finally {
      for (const side of sides.all) await side.stop();
    }
    return result;
  },
};

/** Open loop at half the untraced saturation, autocannon -R at the same rate beside it, and how each spaces its requests. */
async function halfRate(ctx: BenchContext, result: BenchResult, plain: ReturnType<typeof meshSide>, plainRuns: OrderRun[], plan: Plan): Promise<void> {
  const rate = Math.max(1, Math.round(median(plainRuns.map((r) => r.confirmedPerSec)) / 2));
  const open = await plain.open(rate, plan.warmupS, plan.durationS);
  result.figures.push({
    label: `untraced, open loop at ${rate}/s (evenly spaced)`,
    conditions: { tool: "bench/lib/order-load.ts open loop (Bun; latency from each request's scheduled time)", rate, durationS: plan.durationS, warmupS: plan.warmupS },
    values: {
      confirmedPerSec: open.confirmedPerSec,
      p50Ms: open.p50Ms,
      p90Ms: open.p90Ms,
      p99Ms: open.p99Ms,
      maxMs: open.maxMs,
      accepted202: open.accepted202,
      accepted202EndedAs:
        Object.entries(open.accepted202Ends)
          .map(([status, n]) => `${n} ${status}`)
          .join(", ") || "–",
      rejectedOrFailed: open.rejected201 + open.non2xx + open.errors,
      senderMaxLateMs: open.maxLateMs ?? null,
    },
  });
  result.aims.push(aim("p99 ≤ 30 ms at half the saturation rate, evenly spaced arrivals (open loop, untraced, ms)", open.p99Ms ?? NaN, (v) => v <= 30));
  const load = orderLoad(plain.mesh, { ...ctx.settings, durationS: plan.durationS, warmupS: 0, overallRate: rate });
  result.figures.push({
    label: `untraced, autocannon -R ${rate} (for comparison only: it sends each second's budget in a burst)`,
    conditions: conditionsOf(load.settings, `POST JSON ${load.settings.body!.length} B (one line item)`),
    values: autocannonValues(await autocannon(load.url, load.settings)),
  });
  await spacingNote(ctx, result, rate);
}

/** autocannon's figures under the same column names (it cannot read bodies: 2xx answers, not confirmed orders). */
function autocannonValues(f: LoadFigures) {
  return {
    answered2xxPerSec: f.requests > 0 ? round((f.requestsPerSec * (f.requests - f.non2xx)) / f.requests, 1) : 0,
    p50Ms: f.p50Ms,
    p90Ms: f.p90Ms,
    p99Ms: f.p99Ms,
    maxMs: f.maxMs,
    rejectedOrFailed: f.non2xx + f.errors,
  };
}

/** Both generators at `rate` against the arrival probe: how many requests land in the busiest 100 ms. */
async function spacingNote(ctx: BenchContext, result: BenchResult, rate: number): Promise<void> {
  const probe = await startArrivalProbe(20);
  const seconds = 3;
  await autocannon(`${probe.url}/api/orders`, { connections: ctx.settings.connections, durationS: seconds, warmupS: 0, overallRate: rate, method: "POST", body: "{}" });
  const cannon = spacingOf(await probe.collect());
  await ctx.runBunScript("bench/load/orders-client.ts", { GATEWAY_URL: probe.url, BODY: "{}", MODE: "open", RATE: String(rate), DURATION_S: String(seconds) });
  const even = spacingOf(await probe.collect());
  const text = (s: typeof even) =>
    `${s.arrivals} requests, at most ${s.busiest100Ms} in one 100 ms window, ${Math.round(s.emptyWindowsShare * 100)}% of windows empty, ${Math.round(s.within2MsShare * 100)}% within 2 ms of the one before`;
  result.notes.push(
    `How the generators space requests at ${rate}/s (${seconds} s each against a probe answering after 20 ms; even spacing puts ~${round(rate / 10, 1)} in each 100 ms): ` +
      `autocannon -R (-c ${ctx.settings.connections}): ${text(cannon)}; the open loop: ${text(even)}. autocannon's rate limit ` +
      "(lib/httpClient.js) lets each connection send back to back until its share of the second's budget is spent, then pauses it " +
      "until the next 1-second tick: each second's budget goes out in a burst, and its p99 is the queue that burst builds.",
  );
}

function judge(result: BenchResult, runs: Map<OrderSide, OrderRun[]>, sides: Awaited<ReturnType<typeof startSides>>): void {
  const plain = runs.get(sides.plain)!;
  const cpuOf = (side: OrderSide) => median(runs.get(side)!.map(cpuPerConfirmed));
  const meshCpu = cpuOf(sides.plain);
  const oneCpu = cpuOf(sides.one);
  const meshOverOne = medianRatio(plain, runs.get(sides.one)!, cpuPerConfirmed);
  const tracedCpu = medianRatio(runs.get(sides.traced)!, plain, cpuPerConfirmed);
  const sampledCpu = medianRatio(runs.get(sides.sampled)!, plain, cpuPerConfirmed);
  const checkedCpu = medianRatio(plain, runs.get(sides.unchecked)!, cpuPerConfirmed);
  const storeCpu = medianRatio(runs.get(sides.store)!, runs.get(sides.traced)!, cpuPerConfirmed);
  const workersOnly = (run: OrderRun) => cpuPerConfirmedOf(run, (name) => name !== "telemetry");
  const storeWorkersCpu = medianRatio(runs.get(sides.store)!, runs.get(sides.traced)!, workersOnly);
  const ops = (r: OrderRun) => r.confirmedPerSec;
  Object.assign(result.ratios, {
    meshOverOneProcessCpu: meshOverOne,
    tracedOverUntracedCpu: tracedCpu,
    sampledOverUntracedCpu: sampledCpu,
    outputChecksOnOverOffCpu: checkedCpu,
    traceStoreOverOtlpSinkCpu: storeCpu,
    traceStoreOverOtlpSinkWorkersCpu: storeWorkersCpu,
    tracedOverUntracedThroughput: medianRatio(runs.get(sides.traced)!, plain, ops),
    sampledOverUntracedThroughput: medianRatio(runs.get(sides.sampled)!, plain, ops),
    oneProcessOverMeshThroughput: medianRatio(runs.get(sides.one)!, plain, ops),
  });
  result.aims.push(
    aim("CPU per confirmed order ≤ 5 ms, summed over the seven workers (untraced, warm, median, ms)", meshCpu, (v) => v <= 5),
    aim("one process: CPU per confirmed order ≤ 3 ms (median, ms)", oneCpu, (v) => v <= 3),
    aim("mesh ÷ one-process CPU per confirmed order ≤ 1.3 (median of the rounds' ratios)", meshOverOne, (v) => v <= 1.3),
    aim("full OTLP export: CPU per confirmed order ≤ 1.4× untraced (median of the rounds' ratios)", tracedCpu, (v) => v <= 1.4),
    aim(`${sampledRatio * 100}% sampling: CPU per confirmed order ≤ 1.1× untraced (median of the rounds' ratios)`, sampledCpu, (v) => v <= 1.1),
    aim(
      "export to the mesh's own trace store: CPU per confirmed order ≤ OTLP export to a sink (store ÷ sink, every process of the side incl. the telemetry process; median of the rounds' ratios)",
      storeCpu,
      (v) => v <= 1,
    ),
    aim("output checks (OUTPUT_VALIDATION=on, the default): CPU per confirmed order ≤ 1.02× off, untraced (median of the rounds' ratios)", checkedCpu, (v) => v <= 1.02),
  );
}
