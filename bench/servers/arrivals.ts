/**
 * The orders bench's arrival probe: answers every request after DELAY_MS (about an order's
 * latency at half rate) and records when each arrived; GET /arrivals returns the times (ms,
 * performance.now() of this process) and forgets them. Shows how a load generator spaces its
 * requests in time. Env: PORT, DELAY_MS.
 */
const delayMs = Number(process.env["DELAY_MS"] ?? 20);
let arrivals: number[] = [];
Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env["PORT"] ?? 0),
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    if (url.pathname === "/arrivals") {
      const kept = arrivals;
      arrivals = [];
      return Response.json(kept);
    }
    arrivals.push(performance.now());
    await request.arrayBuffer();
    await Bun.sleep(delayMs);
    return Response.json({ status: "PROBE" }, { status: 200 });
  },
});
