/** The orders bench's results from its visits: one figure per side, the per-pair ratios, the growth and idle figures, the aims. */
import { round } from "./autocannon";
import type { OrderRun } from "./order-load";
import { aim, cpuPerConfirmed, cpuPerConfirmedWithoutNats, median, medianPairRatio, medianRun, perProcessOf, perProcessText } from "./order-figures";
import type { GrowthVisit, Visit } from "./order-visit";
import type { BenchResult } from "./types";

const endsText = (runs: OrderRun[]) => runs.flatMap((r) => Object.entries(r.accepted202Ends).map(([status, n]) => `${n} ${status}`)).join(", ") || "–";

/** A side's figure over all its visits: medians of its saturation runs and of its open loops. */
export function sideFigure(label: string, visits: Visit[], conditions: Record<string, unknown>) {
  const runs = visits.flatMap((v) => v.saturation);
  const typical = medianRun(runs);
  const perProcess = perProcessOf(typical);
  const opens = visits.map((v) => v.open);
  const all = [...runs, ...opens];
  return {
    label: `${label}, saturation; open loop at half its own`,
    conditions: { ...conditions, visits: visits.length, saturationRuns: runs.length },
    values: {
      confirmedPerSec: median(runs.map((r) => r.confirmedPerSec)),
      cpuMsPerConfirmed: median(runs.map(cpuPerConfirmed)),
      cpuMsPerConfirmedWithoutNats: median(runs.map(cpuPerConfirmedWithoutNats)),
      natsServerMsPerConfirmed: perProcess["nats-server"] ?? null,
      cpuMsPerConfirmedRuns: runs.map(cpuPerConfirmed).join(" / "),
      cpuMsByProcess: perProcessText(perProcess),
      openRates: visits.map((v) => v.rate).join(" / "),
      openP50Ms: median(opens.map((r) => r.p50Ms ?? NaN)),
      openP99Ms: median(opens.map((r) => r.p99Ms ?? NaN)),
      openP99MsRuns: opens.map((r) => r.p99Ms ?? "–").join(" / "),
      senderMaxLateMs: Math.max(...opens.map((r) => r.maxLateMs ?? 0)),
      accepted202: all.reduce((n, r) => n + r.accepted202, 0),
      accepted202EndedAs: endsText(all),
      rejectedOrFailed: all.reduce((n, r) => n + r.rejected201 + r.non2xx + r.errors, 0),
    },
    perProcess,
  };
}

/** Pairs of (side visit, the untraced visit just before it) → median of the per-pair ratios of `of`. */
export function pairRatio(pairs: [Visit, Visit][], of: (runs: OrderRun[]) => number): number {
  return medianPairRatio(pairs.map(([side, base]) => ({ side: of(side.saturation), base: of(base.saturation) })));
}

export const medianCpu = (runs: OrderRun[]) => median(runs.map(cpuPerConfirmed));
export const medianRate = (runs: OrderRun[]) => median(runs.map((r) => r.confirmedPerSec));

/** The growth rounds (one figure each), last ÷ first, and each process's idle CPU and RSS before and after. */
export function addGrowth(result: BenchResult, growth: GrowthVisit, conditions: Record<string, unknown>): void {
  let so = 0;
  growth.rounds.forEach((run, i) => {
    so += run.confirmed;
    result.figures.push({
      label: `growth round ${i + 1} (one customer, untraced)`,
      conditions,
      values: {
        confirmedSoFar: so,
        confirmedPerSec: run.confirmedPerSec,
        cpuMsPerConfirmed: cpuPerConfirmed(run),
        cpuMsPerConfirmedWithoutNats: cpuPerConfirmedWithoutNats(run),
        cpuMsByProcess: perProcessText(perProcessOf(run)),
      },
    });
  });
  const first = growth.rounds[0]!;
  const last = growth.rounds.at(-1)!;
  result.ratios["growthLastOverFirstCpu"] = round(cpuPerConfirmed(last) / cpuPerConfirmed(first), 3);
  result.ratios["growthLastOverFirstThroughput"] = round(last.confirmedPerSec / first.confirmedPerSec, 3);
  for (const [name, cpu] of Object.entries(growth.idleCpuMsPerS)) {
    result.figures.push({
      label: `${name}: idle, and after the growth run`,
      conditions: { ...conditions, idle: "one untraced mesh up, nothing else, before the growth run" },
      values: { idleCpuMsPerS: cpu, idleRssMb: growth.idleRssMb[name] ?? null, rssAfterGrowthMb: growth.rssAfterMb[name] ?? null },
    });
  }
}

const workerNames = ["users", "catalog", "inventory", "payments", "orders", "reporting", "gateway"];

/** The aims over the untraced side, the one process and the growth visit. */
export function addAims(result: BenchResult, untraced: OrderRun[], opens: OrderRun[], one: OrderRun[], growth: GrowthVisit): void {
  const workers = workerNames.filter((name) => name in growth.idleRssMb);
  const idleCpu = workers.reduce((sum, name) => sum + (growth.idleCpuMsPerS[name] ?? NaN), 0);
  const idleRss = Math.max(...workers.map((name) => growth.idleRssMb[name] ?? NaN));
  const rssGrowth = Math.max(...workers.map((name) => (growth.rssAfterMb[name] ?? NaN) - (growth.idleRssMb[name] ?? NaN)));
  result.aims.push(
    aim(
      "CPU per confirmed order ≤ 4 ms over every process of the mesh incl. launcher and nats-server (untraced, warm, 1,000 customers; median, ms)",
      medianCpu(untraced),
      (v) => v <= 4,
    ),
    aim("growth: CPU per order, last ÷ first round ≤ 1.1 (one customer, untraced)", result.ratios["growthLastOverFirstCpu"] ?? NaN, (v) => v <= 1.1),
    aim("one process: CPU per confirmed order ≤ 1.5 ms (its process and its nats-server; median, ms)", medianCpu(one), (v) => v <= 1.5),
    aim("≥ 350 confirmed orders/s at saturation (untraced, median)", medianRate(untraced), (v) => v >= 350),
    aim("p99 ≤ 30 ms at half the saturation rate, open loop (untraced, median of its visits, ms)", median(opens.map((r) => r.p99Ms ?? NaN)), (v) => v <= 30),
    aim("idle mesh ≤ 5 ms CPU per second, the seven workers in all (nats-server aside)", round(idleCpu, 1), (v) => v <= 5),
    aim("idle RSS ≤ 60 MB per worker (largest, MB)", idleRss, (v) => v <= 60),
    aim("a worker's RSS after the growth run ≤ its idle RSS + 30 MB (largest growth, MB)", round(rssGrowth, 1), (v) => v <= 30),
  );
}
