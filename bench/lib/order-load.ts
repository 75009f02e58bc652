/**
 * The order load of the orders bench, the same code for the mesh (over HTTP, from a separate Bun
 * process: bench/load/orders-client.ts) and the one-process baseline (in that process, through the
 * gateway's `app.fetch`: bench/servers/one-process.ts). Every answer's body is read: an order counts
 * as confirmed only when it came back 201 with status CONFIRMED; 202s (the saga outlasted
 * ORDER_WAIT_MS) are counted apart and looked up afterwards for their end state.
 *
 * Closed loop (saturation): `lanes` requests in flight, each lane sending its next one when the last
 * is answered. Open loop (latency at a given rate): request i is sent at t0 + i/rate whatever the
 * answers, and its latency counts from that scheduled time, so a stall shows in every request it
 * delays (no coordinated omission).
 */
import { round } from "./autocannon";
import { measureCpu } from "./process-cpu";

/** One POST /api/orders: its status code and parsed body (null when it was not JSON). */
export type SendOrder = () => Promise<{ status: number; body: any }>;
/** GET /api/orders/:id's status field, or null when it could not be read. */
export type OrderStatusOf = (id: string) => Promise<string | null>;

export interface OrderTally {
  sent: number;
  /** 201 with status CONFIRMED. */
  confirmed: number;
  /** 201 with another status (REJECTED: the saga said no). */
  rejected: number;
  /** 202: the saga was still running when orders answered; ids kept for the follow-up. */
  acceptedIds: string[];
  /** Any other status code. */
  non2xx: number;
  /** No answer (connection error, timeout). */
  errors: number;
  /** Of every answered request, ms (closed loop: from send; open loop: from its scheduled time). */
  latenciesMs: number[];
}

export function emptyTally(): OrderTally {
  return { sent: 0, confirmed: 0, rejected: 0, acceptedIds: [], non2xx: 0, errors: 0, latenciesMs: [] };
}

async function sendAndCount(send: SendOrder, tally: OrderTally, startedAt: number): Promise<void> {
  tally.sent++;
  try {
    const { status, body } = await send();
    tally.latenciesMs.push(performance.now() - startedAt);
    if (status === 201 && body?.status === "CONFIRMED") tally.confirmed++;
    else if (status === 201) tally.rejected++;
    else if (status === 202 && typeof body?.id === "string") tally.acceptedIds.push(body.id);
    else tally.non2xx++;
  } catch {
    tally.errors++;
  }
}

/** Gives the event loop a turn (timers, NATS, the relays): an in-process loop must, or it starves them. */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** `lanes` requests in flight for `seconds` (or until `orders` were sent); each lane yields to the event loop before each request. */
export async function closedLoop(send: SendOrder, lanes: number, seconds: number, orders = Infinity): Promise<{ tally: OrderTally; seconds: number }> {
  const tally = emptyTally();
  const began = performance.now();
  const until = began + seconds * 1000;
  const lane = async () => {
    while (performance.now() < until && tally.sent < orders) {
      await yieldToEventLoop();
      await sendAndCount(send, tally, performance.now());
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return { tally, seconds: (performance.now() - began) / 1000 };
}

/**
 * Request i sent at t0 + i/rate for `seconds`, not waiting for answers; latency from the scheduled
 * time. `maxLateMs`: how far behind schedule the sender itself ever fell (it should stay ~1 ms).
 */
export async function openLoop(send: SendOrder, rate: number, seconds: number): Promise<{ tally: OrderTally; seconds: number; maxLateMs: number }> {
  const tally = emptyTally();
  const count = Math.max(1, Math.round(rate * seconds));
  const t0 = performance.now() + 5;
  const inFlight: Promise<void>[] = [];
  let maxLateMs = 0;
  for (let i = 0; i < count; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await Bun.sleep(wait);
    maxLateMs = Math.max(maxLateMs, performance.now() - due);
    inFlight.push(sendAndCount(send, tally, due));
  }
  await Promise.all(inFlight);
  return { tally, seconds: (performance.now() - t0) / 1000, maxLateMs: round(maxLateMs, 1) };
}

/** The 202s' end states: each looked up until it is no longer PENDING, for up to `timeoutMs`. */
export async function followUp(ids: string[], statusOf: OrderStatusOf, timeoutMs: number): Promise<Record<string, number>> {
  const ends: Record<string, number> = {};
  let pending = [...ids];
  const until = performance.now() + timeoutMs;
  while (pending.length > 0) {
    const statuses = await Promise.all(pending.map(statusOf));
    const stillPending: string[] = [];
    statuses.forEach((status, i) => {
      if (status === "PENDING" && performance.now() < until) stillPending.push(pending[i]!);
      else ends[status ?? "unknown"] = (ends[status ?? "unknown"] ?? 0) + 1;
    });
    pending = stillPending;
    if (pending.length > 0) await Bun.sleep(250);
  }
  return ends;
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!, 1);
}

/** Median, p90, p99 and max of latencies (ms). */
export function summarizeLatencies(latenciesMs: readonly number[]) {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length > 0 ? round(sorted.at(-1)!, 1) : null,
  };
}

/** The figures a results file keeps of one run: confirmed orders/s, the other outcomes, latency. */
export function summarize(tally: OrderTally, seconds: number) {
  const sorted = [...tally.latenciesMs].sort((a, b) => a - b);
  return {
    confirmedPerSec: round(tally.confirmed / seconds, 1),
    confirmed: tally.confirmed,
    accepted202: tally.acceptedIds.length,
    rejected201: tally.rejected,
    non2xx: tally.non2xx,
    errors: tally.errors,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length > 0 ? round(sorted.at(-1)!, 1) : null,
    seconds: round(seconds, 2),
  };
}

export type OrderRunSummary = ReturnType<typeof summarize>;

/** One load run: MODE closed (saturation, or `orders` sent) or open (`rate`/s); CPU of `pids` over the measured window. */
export interface LoadCommand {
  mode: "closed" | "open";
  lanes: number;
  rate: number;
  warmupS: number;
  durationS: number;
  /** Closed loop only: stop after this many orders (the growth run's rounds). */
  orders?: number;
  /** Every order for the first customer (the growth run) instead of the mix over all of them. */
  oneCustomer?: boolean;
  pids: { name: string; pid: number }[];
}

/** Runs `command` with `send` (a new body each call), then follows the 202s up: the same for the load client and the one process. */
export async function runLoadCommand(command: LoadCommand, send: SendOrder, statusOf: OrderStatusOf): Promise<OrderRun> {
  const run = (seconds: number, orders?: number) => (command.mode === "open" ? openLoop(send, command.rate, seconds) : closedLoop(send, command.lanes, seconds, orders));
  if (command.mode !== "open" && command.mode !== "closed") throw new Error(`mode must be open or closed, got ${command.mode}`);
  if (command.warmupS > 0) await run(command.warmupS);
  const cpuSince = measureCpu(command.pids);
  const measured = await run(command.durationS, command.orders);
  const cpuMs = cpuSince();
  return {
    ...summarize(measured.tally, measured.seconds),
    cpuMs,
    accepted202Ends: await followUp(measured.tally.acceptedIds, statusOf, 20_000),
    ...("maxLateMs" in measured ? { maxLateMs: measured.maxLateMs as number } : {}),
  };
}

/** What one measured run reports: the summary, CPU (ms by process over the measured window), the 202s' end states. */
export interface OrderRun extends OrderRunSummary {
  cpuMs: Record<string, number | null>;
  accepted202Ends: Record<string, number>;
  maxLateMs?: number;
}
