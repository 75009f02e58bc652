/**
 * How evenly a load generator spreads its requests at a fixed rate: its requests sent to the
 * arrival probe (bench/servers/arrivals.ts), then, for every 100 ms window, how many arrived in
 * it. Evenly spaced arrivals at R/s put R/10 in each; a generator that spends each second's
 * budget at once puts them all in one window and none in the other nine.
 */
import { freePort } from "../../test/support/processes";
import { round } from "./autocannon";
import { startWorkerLike } from "./context";

export interface Spacing {
  arrivals: number;
  /** The most requests that arrived within any one 100 ms window (even spacing: rate / 10). */
  busiest100Ms: number;
  /** Share of 100 ms windows (between the first and last arrival) that saw no request. */
  emptyWindowsShare: number;
  /** Share of requests that arrived less than 2 ms after the one before. */
  within2MsShare: number;
}

export function spacingOf(times: number[]): Spacing {
  const sorted = [...times].sort((a, b) => a - b);
  if (sorted.length < 2) return { arrivals: sorted.length, busiest100Ms: sorted.length, emptyWindowsShare: 0, within2MsShare: 0 };
  const first = sorted[0]!;
  const windows = new Array<number>(Math.floor((sorted.at(-1)! - first) / 100) + 1).fill(0);
  for (const t of sorted) windows[Math.floor((t - first) / 100)]!++;
  const close = sorted.slice(1).filter((t, i) => t - sorted[i]! < 2).length;
  return {
    arrivals: sorted.length,
    busiest100Ms: Math.max(...windows),
    emptyWindowsShare: round(windows.filter((n) => n === 0).length / windows.length, 2),
    within2MsShare: round(close / (sorted.length - 1), 2),
  };
}

/** Starts the probe (tracked, stopped with the bench's processes); `collect` returns and clears the arrivals so far. */
export async function startArrivalProbe(delayMs: number): Promise<{ url: string; collect(): Promise<number[]> }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  await startWorkerLike("bench/servers/arrivals.ts", { PORT: String(port), DELAY_MS: String(delayMs) }, `${url}/health`);
  return { url, collect: async () => (await (await fetch(`${url}/arrivals`)).json()) as number[] };
}
