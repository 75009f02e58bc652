/**
 * Scrapes every worker's `/metrics` each interval, all at once, and records the round in the
 * series ring. A worker that does not answer within the deadline (or answers what is not
 * Prometheus text) is recorded as down for that round; the next round tries again.
 *
 * Idle is idle: a round in which no worker did anything (the same requests, transactions, calls
 * and backlogs as the round before, and every worker up or down as before) doubles the wait to the
 * next, up to `idleMaxMs`; any activity, or someone reading the charts (`watched()`), goes back to
 * `intervalMs`. Each tick keeps its time, so the charts' rates stay right over a longer gap.
 *
 * @example
 *   const scraper = createScraper({ targets: [{ name: "users", url: "http://127.0.0.1:4101" }], intervalMs: 5_000, idleMaxMs: 60_000, series });
 *   scraper.start(); … scraper.watched(); … scraper.stop();
 */
import type { WorkerLoop } from "../../core/loop";
import { parsePrometheusText } from "../../../telemetry/prometheus-text";
import type { Sample } from "../../../telemetry/prometheus-text";
import type { ScrapedWorker, SeriesRing } from "./series";

export interface ScrapeTarget {
  name: string;
  url: string;
}

export interface ScraperOptions {
  targets: readonly ScrapeTarget[];
  intervalMs: number;
  /** The longest wait between rounds while nothing happens (default: intervalMs, never backing off). */
  idleMaxMs?: number;
  series: SeriesRing;
  fetch?: typeof globalThis.fetch;
  now?: () => number;
}

async function scrapeOne(target: ScrapeTarget, timeoutMs: number, fetch: typeof globalThis.fetch): Promise<ScrapedWorker> {
  try {
    const answer = await fetch(`${target.url}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!answer.ok) return { worker: target.name, samples: null, error: `/metrics answered ${answer.status}` };
    return { worker: target.name, samples: parsePrometheusText(await answer.text()) };
  } catch (error) {
    return { worker: target.name, samples: null, error: (error as Error).message };
  }
}

/**
 * What a worker did, as one number per round: its histograms' counts (requests served,
 * transactions, calls made) and its backlogs (outbox rows, consumer lag). Its CPU and memory
 * always move a little and say nothing of work; a worker that did not answer is null.
 */
export function activityOf(samples: readonly Sample[] | null): number | null {
  if (!samples) return null;
  let sum = 0;
  for (const sample of samples) if (sample.name.endsWith("_count") || sample.name === "outbox_pending" || sample.name === "consumer_pending") sum += sample.value;
  return sum;
}

/** The wait before the next round: back to `base` on activity, else doubled up to `max`. */
export function nextWaitMs(previousMs: number, active: boolean, base: number, max: number): number {
  return active ? base : Math.min(max, Math.max(base, previousMs * 2));
}

export function createScraper(options: ScraperOptions): WorkerLoop & { scrapeNow(): Promise<boolean>; watched(): void } {
  const fetch = options.fetch ?? globalThis.fetch;
  const now = options.now ?? Date.now;
  const idleMaxMs = Math.max(options.intervalMs, options.idleMaxMs ?? options.intervalMs);
  // A round must end before the next is due.
  const timeoutMs = Math.max(200, Math.min(2_000, options.intervalMs - 100));
  let timer: ReturnType<typeof setTimeout> | undefined;
  let round: Promise<unknown> | undefined;
  let stopped = true;
  let waitMs = options.intervalMs;
  let dueAt = 0;
  let previous = new Map<string, number | null>();

  /** One round; true when some worker did something since the last (or changed up/down). */
  const scrapeNow = async () => {
    const at = now();
    const scraped = await Promise.all(options.targets.map((target) => scrapeOne(target, timeoutMs, fetch)));
    options.series.record(at, scraped);
    const activity = new Map(scraped.map((worker) => [worker.worker, activityOf(worker.samples)] as const));
    const active = previous.size === 0 || [...activity].some(([worker, value]) => previous.get(worker) !== value);
    previous = activity;
    return active;
  };
  const arm = (ms: number) => {
    clearTimeout(timer);
    dueAt = Date.now() + ms;
    timer = setTimeout(tick, ms);
  };
  const tick = () => {
    timer = undefined;
    round = scrapeNow().then(
      (active) => {
        waitMs = nextWaitMs(waitMs, active, options.intervalMs, idleMaxMs);
        if (!stopped) arm(waitMs);
      },
      () => !stopped && arm(waitMs),
    );
  };
  return {
    name: "metrics-scraper",
    scrapeNow,
    watched() {
      waitMs = options.intervalMs;
      // Asleep for longer than one interval: the next round comes one interval from now.
      if (!stopped && timer !== undefined && dueAt - Date.now() > options.intervalMs) arm(options.intervalMs);
    },
    start() {
      if (!stopped) return;
      stopped = false;
      arm(options.intervalMs);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await round;
    },
  };
}
