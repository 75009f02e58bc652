/**
 * Scrapes every worker's `/metrics` each interval, all at once, and records the round in the
 * series ring. A worker that does not answer within the deadline (or answers what is not
 * Prometheus text) is recorded as down for that round; the next round tries again.
 *
 * @example
 *   const scraper = createScraper({ targets: [{ name: "users", url: "http://127.0.0.1:4101" }], intervalMs: 5_000, series });
 *   scraper.start(); … scraper.stop();
 */
import type { WorkerLoop } from "../../core/loop";
import { parsePrometheusText } from "../../../telemetry/prometheus-text";
import type { ScrapedWorker, SeriesRing } from "./series";

export interface ScrapeTarget {
  name: string;
  url: string;
}

export interface ScraperOptions {
  targets: readonly ScrapeTarget[];
  intervalMs: number;
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

export function createScraper(options: ScraperOptions): WorkerLoop & { scrapeNow(): Promise<void> } {
  const fetch = options.fetch ?? globalThis.fetch;
  const now = options.now ?? Date.now;
  // A round must end before the next is due.
  const timeoutMs = Math.max(200, Math.min(2_000, options.intervalMs - 100));
  let timer: ReturnType<typeof setTimeout> | undefined;
  let round: Promise<void> | undefined;
  let stopped = true;

  const scrapeNow = async () => {
    const at = now();
    const scraped = await Promise.all(options.targets.map((target) => scrapeOne(target, timeoutMs, fetch)));
    options.series.record(at, scraped);
  };
  const tick = () => {
    round = scrapeNow().finally(() => {
      if (!stopped) timer = setTimeout(tick, options.intervalMs);
    });
  };
  return {
    name: "metrics-scraper",
    scrapeNow,
    start() {
      if (!stopped) return;
      stopped = false;
      timer = setTimeout(tick, options.intervalMs);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await round;
    },
  };
}
