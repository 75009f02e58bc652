/**
 * One visit of the orders bench: a side started alone, warmed, its closed-loop saturation runs,
 * then its open loop at half of its own saturation rate (latency from each request's scheduled
 * time), then stopped whole before anything else starts. And the growth visit: an untraced mesh
 * idle (CPU ms/s per process, RSS per worker), then one customer's orders in rounds.
 */
import { startSide, type SeedCounts, type SideSpec } from "./order-sides";
import type { BenchContext } from "./context";
import type { OrderRun } from "./order-load";
import { median } from "./order-figures";
import { measureCpu, rssMb } from "./process-cpu";

export interface VisitPlan {
  seed: SeedCounts;
  lanes: number;
  warmupS: number;
  saturationRuns: number;
  durationS: number;
  openWarmupS: number;
}

export interface Visit {
  label: string;
  saturation: OrderRun[];
  open: OrderRun;
  rate: number;
}

export async function visitSide(ctx: BenchContext, spec: SideSpec, plan: VisitPlan): Promise<Visit> {
  const side = await startSide(ctx, spec, plan.seed);
  try {
    const saturation: OrderRun[] = [];
    for (let i = 0; i < plan.saturationRuns; i++) {
      const warmupS = i === 0 ? plan.warmupS : 0;
      saturation.push(await side.run({ mode: "closed", lanes: plan.lanes, rate: 0, warmupS, durationS: plan.durationS }));
    }
    const rate = Math.max(1, Math.round(median(saturation.map((r) => r.confirmedPerSec)) / 2));
    const open = await side.run({ mode: "open", lanes: plan.lanes, rate, warmupS: plan.openWarmupS, durationS: plan.durationS });
    return { label: spec.label, saturation, open, rate };
  } finally {
    await side.stop();
  }
}

export interface GrowthPlan {
  seed: SeedCounts;
  lanes: number;
  warmupS: number;
  settleS: number;
  idleS: number;
  rounds: number;
  ordersPerRound: number;
}

export interface GrowthVisit {
  /** CPU ms per second of each process over the idle window (nats-server among them). */
  idleCpuMsPerS: Record<string, number | null>;
  idleRssMb: Record<string, number | null>;
  rounds: OrderRun[];
  rssAfterMb: Record<string, number | null>;
}

/** The untraced mesh alone: idle for `idleS` after `settleS`, then `rounds` × `ordersPerRound` orders of its first customer (closed loop). */
export async function visitGrowth(ctx: BenchContext, plan: GrowthPlan): Promise<GrowthVisit> {
  const side = await startSide(ctx, { label: "untraced", kind: "mesh", mesh: "plain" }, plan.seed);
  try {
    const rss = () => Object.fromEntries(side.processes.map((p) => [p.name, rssMb(p.pid)]));
    await Bun.sleep(plan.settleS * 1000);
    const idleSince = measureCpu(side.processes);
    const began = performance.now();
    await Bun.sleep(plan.idleS * 1000);
    const seconds = (performance.now() - began) / 1000;
    const idleCpuMsPerS = Object.fromEntries(Object.entries(idleSince()).map(([name, ms]) => [name, ms === null ? null : Math.round((ms / seconds) * 10) / 10]));
    const idleRssMb = rss();
    // Warmed on the mix of all customers, so the one customer's history is the rounds' alone.
    await side.run({ mode: "closed", lanes: plan.lanes, rate: 0, warmupS: 0, durationS: plan.warmupS });
    const rounds: OrderRun[] = [];
    for (let i = 0; i < plan.rounds; i++) {
      rounds.push(await side.run({ mode: "closed", lanes: plan.lanes, rate: 0, warmupS: 0, durationS: 3600, orders: plan.ordersPerRound, oneCustomer: true }));
    }
    return { idleCpuMsPerS, idleRssMb, rounds, rssAfterMb: rss() };
  } finally {
    await side.stop();
  }
}
