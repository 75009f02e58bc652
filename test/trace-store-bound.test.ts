/**
 * The telemetry process's trace store under a burst far beyond its bounds: a real process on a
 * real SQLite file takes 40,000 spans in 8,000 traces, eight exports at a time, while bounded to
 * 400 traces and 1,500 spans (the spans' bound the one that binds). Every answer it gives along the way is within its bounds plus one
 * export; once the burst is over it is within them exactly, it kept the newest traces whole, and
 * a second burst leaves its file no bigger than the first did (freed pages are reused).
 */
import { afterAll, describe, expect, it } from "vitest";
import { statSync } from "node:fs";
import { join } from "node:path";
import { startWorker, stopAll, tempDir, testIdentity, type RunningWorker } from "./support/processes";
import { encodeTraceExport, randomHex, type SpanToExport } from "./support/otlp-export";

afterAll(stopAll);

const bounds = { traces: 400, spans: 1_500 };
const perExport = { traces: 100, spansPerTrace: 5 };

/** One export: `perExport.traces` traces of a gateway root and four spans of other workers. */
function anExport(): { body: Uint8Array<ArrayBuffer>; traceIds: string[] } {
  const traceIds = Array.from({ length: perExport.traces }, () => randomHex(32));
  const now = Date.now();
  const spans: SpanToExport[] = traceIds.flatMap((traceId) => {
    const root = randomHex(16);
    const children = ["orders", "inventory", "payments", "reporting"].map((service) => ({
      service,
      traceId,
      spanId: randomHex(16),
      parentSpanId: root,
      name: `${service} work`,
      startMs: now + 1,
      durationMs: 2,
      attributes: { "db.query.text": "x".repeat(300) },
    }));
    return [{ service: "gateway", traceId, spanId: root, name: "POST /api/orders", startMs: now, durationMs: 5, attributes: { "correlation.id": `burst-${traceId}` } }, ...children];
  });
  return { body: encodeTraceExport(spans), traceIds };
}

async function size(store: RunningWorker): Promise<{ traces: number; spans: number }> {
  return ((await (await fetch(`${store.url}/health/ready`)).json()) as { store: { traces: number; spans: number } }).store;
}

/** `exports` exports sent `parallel` at a time; the store's size as each answer came back. */
async function burst(store: RunningWorker, exports: number, parallel: number) {
  const seen: { traces: number; spans: number }[] = [];
  let last: string[] = [];
  for (let sent = 0; sent < exports; sent += parallel) {
    const round = Array.from({ length: Math.min(parallel, exports - sent) }, anExport);
    const answers = await Promise.all(round.map(({ body }) => fetch(`${store.url}/v1/traces`, { method: "POST", headers: { "content-type": "application/x-protobuf" }, body })));
    expect(answers.map((answer) => answer.status)).toEqual(round.map(() => 200));
    seen.push(await size(store));
    last = round.at(-1)!.traceIds;
  }
  return { seen, last };
}

const fileBytes = (dataDir: string, file = "telemetry.db") => statSync(join(dataDir, file), { throwIfNoEntry: false })?.size ?? 0;
/** The WAL's own bound (shared/db/wal-checkpoints.ts): truncated past 64 MiB, plus what one checkpoint interval writes. */
const walBoundBytes = 96 * 1024 * 1024;

describe("the trace store's bounds under a burst", () => {
  it("stays within its bounds, keeps the newest traces whole, and does not grow from one burst to the next", async () => {
    const dataDir = tempDir("trace-store-burst");
    const store = await startWorker(
      "telemetry",
      { DATA_DIR: dataDir, TRACE_STORE_MAX_TRACES: String(bounds.traces), TRACE_STORE_MAX_SPANS: String(bounds.spans), TRACE_STORE_PRUNE_BATCH: "50" },
      { entry: "shared/mesh/telemetry/main.ts" },
    );
    const first = await burst(store, 80, 8);
    const oneExport = { traces: perExport.traces, spans: perExport.traces * perExport.spansPerTrace };
    for (const seen of first.seen) {
      expect(seen.traces).toBeLessThanOrEqual(bounds.traces + oneExport.traces);
      expect(seen.spans).toBeLessThanOrEqual(bounds.spans + oneExport.spans);
    }
    expect(await size(store)).toEqual({ traces: bounds.spans / perExport.spansPerTrace, spans: bounds.spans });

    // The newest export's traces are there, each whole.
    const headers = { authorization: `Bearer ${await testIdentity("gateway").tokenFor("telemetry")}` };
    const newest = (await (await fetch(`${store.url}/traces/spans?correlationId=burst-${first.last.at(-1)}`, { headers })).json()) as { spans: { service: string }[] };
    expect(newest.spans.map((span) => span.service).sort()).toEqual(["gateway", "inventory", "orders", "payments", "reporting"]);

    const afterFirst = fileBytes(dataDir);
    await burst(store, 80, 8);
    expect(await size(store)).toEqual({ traces: bounds.spans / perExport.spansPerTrace, spans: bounds.spans });
    // The database file holds the same bounded store after each burst; the WAL beside it is bounded on its own (how far it
    // runs ahead of its checkpoints depends on timing, so it is held to its own bound, not to the first burst's size).
    expect(fileBytes(dataDir)).toBeLessThanOrEqual(afterFirst * 1.25);
    expect(fileBytes(dataDir, "telemetry.db-wal")).toBeLessThanOrEqual(walBoundBytes);
  }, 300_000);
});
