/**
 * `bun run bench/order-trace.ts`: where a lone order's time goes. Starts a launcher mesh whose
 * workers export spans to an in-process OTLP receiver, places 30 orders one after another, and
 * prints, per order, each tRPC call's client duration against its server span's (the gap is the
 * caller's client stack, the network and both event loops), then the span tree of the last order
 * with start offsets and durations. Used for bench/FINDINGS.md, not by npm run bench.
 */
import { startOtlpReceiver } from "../test/support/otlp-receiver";
import { createBenchContext } from "./lib/context";
const receiver = await startOtlpReceiver();
const ctx = createBenchContext({ quick: false, connections: 1, durationS: 1, warmupS: 0 }, { meshEnv: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: "200" } });
try {
  const mesh = await ctx.mesh("plain");
  const body = JSON.stringify({ customerId: mesh.customerId, items: [{ productId: mesh.productId, quantity: 1 }] });
  let last = "";
  for (let i = 0; i < 30; i++) {
    last = `probe-${i}`;
    const t = performance.now();
    await (await fetch(`${mesh.gatewayUrl}/api/orders`, { method: "POST", headers: { "content-type": "application/json", "x-correlation-id": last }, body })).text();
    if (i >= 25) console.log(last, (performance.now() - t).toFixed(1), "ms");
  }
  await new Promise((r) => setTimeout(r, 1500));
  // Per order: each tRPC call's client duration against its server span's, and the gap between them.
  for (let i = 10; i < 30; i++) {
    const of = receiver.spans.filter((s) => s.attributes["correlation.id"] === `probe-${i}`);
    const gaps = of
      .filter((s) => s.name.startsWith("trpc.client"))
      .map((client) => {
        const http = of.find((s) => s.parentSpanId === client.spanId);
        const c = Number(client.endNs - client.startNs) / 1e6;
        const sv = http ? Number(http.endNs - http.startNs) / 1e6 : NaN;
        return `${client.name.replace("trpc.client ", "")} ${c.toFixed(1)}/${sv.toFixed(1)}`;
      });
    console.log(`probe-${i}: ${gaps.join("  ")}`);
  }
  const spans = receiver.spans.filter((s) => s.attributes["correlation.id"] === last);
  const root = spans.reduce((a, b) => (a.startNs < b.startNs ? a : b));
  const children = new Map<string, typeof spans>();
  for (const s of spans) children.set(s.parentSpanId ?? "", [...(children.get(s.parentSpanId ?? "") ?? []), s]);
  const print = (s: (typeof spans)[number], depth: number) => {
    const start = Number(s.startNs - root.startNs) / 1e6;
    const dur = Number(s.endNs - s.startNs) / 1e6;
    console.log(`${start.toFixed(1).padStart(7)} +${dur.toFixed(1).padStart(6)}  ${"  ".repeat(depth)}${s.service}: ${s.name}`);
    for (const c of (children.get(s.spanId) ?? []).sort((a, b) => (a.startNs < b.startNs ? -1 : 1))) print(c, depth + 1);
  };
  const ids = new Set(spans.map((s) => s.spanId));
  for (const s of spans.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId)).sort((a, b) => (a.startNs < b.startNs ? -1 : 1))) print(s, 0);
  await ctx.stopMesh();
} finally {
  await ctx.close();
  await receiver.close();
}
process.exit(0);
