/**
 * The scraper backs off while the mesh is idle and comes back to its full rate on activity or when
 * someone reads the charts. The workers are stood in for by a fetch answering Prometheus text whose
 * request count the test moves; timers are vitest's fake ones, so the rounds are counted, not timed.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { activityOf, createScraper, nextWaitMs } from "./scraper";
import { createSeriesRing } from "./series";

let requests = 0;
let scrapes = 0;
const metrics = () =>
  [
    "process_cpu_seconds_total " + Math.random(), // always moves: not activity
    `http_server_request_duration_seconds_count{http_route="/trpc/get"} ${requests}`,
    "outbox_pending 0",
  ].join("\n");
const fakeFetch = (async () => {
  scrapes++;
  return new Response(metrics(), { status: 200 });
}) as unknown as typeof fetch;

beforeEach(() => {
  vi.useFakeTimers();
  requests = 0;
  scrapes = 0;
});
afterEach(() => vi.useRealTimers());

const scrapesOver = async (ms: number) => {
  const before = scrapes;
  await vi.advanceTimersByTimeAsync(ms);
  return scrapes - before;
};

describe("the metrics scraper", () => {
  it("doubles its wait while nothing happens, up to the idle maximum, and is back at its rate on activity", async () => {
    const scraper = createScraper({
      targets: [{ name: "users", url: "http://users" }],
      intervalMs: 1_000,
      idleMaxMs: 8_000,
      series: createSeriesRing({ capacity: 100, intervalMs: 1_000 }),
      fetch: fakeFetch,
    });
    scraper.start();
    // Rounds at 1 s (the first is activity: the next 1 s later), then waits of 2, 4, 8, 8 s: rounds at 1, 2, 4, 8, 16, 24.
    expect(await scrapesOver(31_000)).toBe(6);
    expect(await scrapesOver(80_000)).toBe(10); // at the idle maximum: one round per 8 s (32 … 104)
    requests = 5; // a request served: the round at 112 sees it, and the next comes one interval after (113)
    expect(await scrapesOver(1_000)).toBe(1);
    expect(await scrapesOver(1_000)).toBe(1);
    expect(await scrapesOver(1_000)).toBe(0); // quiet again: 2 s to the next
    await scraper.stop();
  });

  it("comes back to its rate when the charts are read", async () => {
    const scraper = createScraper({
      targets: [{ name: "users", url: "http://users" }],
      intervalMs: 1_000,
      idleMaxMs: 60_000,
      series: createSeriesRing({ capacity: 100, intervalMs: 1_000 }),
      fetch: fakeFetch,
    });
    scraper.start();
    await scrapesOver(200_000); // long idle: waiting a minute between rounds
    expect(await scrapesOver(30_000)).toBeLessThanOrEqual(1);
    scraper.watched();
    expect(await scrapesOver(1_000)).toBe(1);
    await scraper.stop();
  });

  it("counts requests, transactions, calls and backlogs as activity; CPU and memory not", () => {
    const sample = (name: string, value: number) => ({ name, labels: {}, value });
    expect(activityOf([sample("process_cpu_seconds_total", 3), sample("process_resident_memory_bytes", 9e7)])).toBe(0);
    expect(activityOf([sample("db_transaction_duration_seconds_count", 4), sample("consumer_pending", 2), sample("outbox_pending", 1)])).toBe(7);
    expect(activityOf(null)).toBeNull();
    expect(nextWaitMs(4_000, false, 1_000, 5_000)).toBe(5_000);
    expect(nextWaitMs(4_000, true, 1_000, 5_000)).toBe(1_000);
  });
});
