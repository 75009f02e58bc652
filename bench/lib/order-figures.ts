/** The orders bench's arithmetic: CPU per confirmed order over a side's processes, each one's share, medians and per-pair ratios. */
import { ratio, round } from "./autocannon";
import type { OrderRun } from "./order-load";

export const median = (values: number[]) => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)]!;
};

/** CPU ms per confirmed order over the processes `counted` names; NaN when no order was confirmed or a process's CPU is unknown. */
export function cpuPerConfirmedOf(run: OrderRun, counted: (name: string) => boolean = () => true): number {
  const values = Object.entries(run.cpuMs)
    .filter(([name]) => counted(name))
    .map(([, ms]) => ms);
  if (run.confirmed === 0 || values.some((v) => v === null)) return NaN;
  return round(values.reduce<number>((sum, v) => sum + v!, 0) / run.confirmed, 2);
}

/** Over every process of the side, nats-server included. */
export const cpuPerConfirmed = (run: OrderRun) => cpuPerConfirmedOf(run);
/** The same without nats-server. */
export const cpuPerConfirmedWithoutNats = (run: OrderRun) => cpuPerConfirmedOf(run, (name) => name !== "nats-server");

/** Each process's CPU ms per confirmed order in `run`. */
export function perProcessOf(run: OrderRun): Record<string, number | null> {
  return Object.fromEntries(Object.entries(run.cpuMs).map(([name, ms]) => [name, ms === null || run.confirmed === 0 ? null : round(ms / run.confirmed, 2)]));
}

export const perProcessText = (perProcess: Record<string, number | null>) =>
  Object.entries(perProcess)
    .map(([name, ms]) => `${name} ${ms ?? "–"}`)
    .join(", ");

/** The run whose CPU per order is the median of `runs`. */
export function medianRun(runs: OrderRun[]): OrderRun {
  const cpu = runs.map(cpuPerConfirmed);
  return runs[cpu.indexOf(median(cpu))] ?? runs[0]!;
}

/** Per pair (a side's start and the untraced start just before it), side ÷ untraced; the median of those. */
export function medianPairRatio(pairs: { side: number; base: number }[]): number {
  return round(median(pairs.map((p) => ratio(p.side, p.base))), 3);
}

export const aim = (text: string, value: number, met: (v: number) => boolean) => ({
  aim: text,
  value: Number.isFinite(value) ? value : null,
  met: Number.isFinite(value) ? met(value) : null,
});
