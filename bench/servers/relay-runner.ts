/**
 * The relay bench, in one Bun process against the bench's nats-server:
 * ROUNDS rounds (default 3) of, back to back:
 * 1. COUNT events committed to the outbox (users' schema, a temp DB), one transaction each;
 * 2. raw JetStream async publish of the same envelopes (same headers, a fresh Nats-Msg-Id each),
 *    a sliding window of BATCH publishes in flight: the ceiling;
 * 3. the kit's createOutboxRelay draining those committed rows: events/s from start to the last
 *    row marked sent (each mark happens after the broker's ack).
 * The ratio is the median of the rounds' ratios: on a shared machine one round's pair can land
 * on either side of a burst of other work, and a single pair swung 0.78–0.98 between runs.
 * Then lag at a steady rate: LAG_RATE events/s committed for LAG_SECONDS while the relay runs;
 * lag of each = sent_at − created_at (ms), i.e. commit to ack-and-mark.
 * Prints one JSON line. Env: NATS_URL, DATA_DIR, COUNT, BATCH, ROUNDS, LAG_RATE, LAG_SECONDS.
 */
import { headers as natsHeaders, type NatsConnection } from "nats";
import { gt } from "drizzle-orm";
import { openWorkerDatabase } from "../../shared/db/db";
import { createLogger } from "../../shared/core/logger";
import { createNatsConnection } from "../../shared/events/nats";
import { createOutboxRelay } from "../../shared/events/relay";
import { enqueueEvent } from "../../shared/events/enqueue";
import { ensureStream } from "../../shared/events/streams";
import { correlationHeader } from "../../shared/core/request-scope";
import * as schema from "../../workers/users/schema";
import { userRegistered } from "../../workers/users/events";
import { newId } from "../../shared/core/ids";

const env = process.env;
const count = Number(env["COUNT"] ?? 20_000);
const batch = Number(env["BATCH"] ?? 100);
const rounds = Number(env["ROUNDS"] ?? 3);
const lagRate = Number(env["LAG_RATE"] ?? 1000);
const lagSeconds = Number(env["LAG_SECONDS"] ?? 5);
const logger = createLogger({ worker: "bench-relay", level: "warn" });
const database = await openWorkerDatabase({ worker: "users", dataDir: env["DATA_DIR"]!, schema });
const { db } = database;
const { outbox } = schema;

const nats = createNatsConnection({ url: env["NATS_URL"]!, name: "bench-relay", logger });
nats.start();
while (!nats.current()) await Bun.sleep(10);
const nc = nats.current() as NatsConnection;
await ensureStream(await nc.jetstreamManager(), "users");

const commitOne = () => {
  const userId = newId();
  db.transaction((tx) => enqueueEvent(tx, outbox, userRegistered, { userId, name: "Bench User", registeredAt: new Date().toISOString() }, { aggregateId: userId }), {
    behavior: "immediate",
  });
};

/** Commits `count` events and returns their rows (the raw side publishes the same envelopes). */
function commitRound() {
  const after = db.select().from(outbox).all().at(-1)?.seq ?? 0;
  for (let i = 0; i < count; i++) commitOne();
  return db.select().from(outbox).where(gt(outbox.seq, after)).all();
}

/** Raw async publish with a sliding window of `batch` in flight. */
async function rawPublish(rows: (typeof outbox.$inferSelect)[], prefix: string, n: number): Promise<number> {
  const js = nc.jetstream();
  const encoder = new TextEncoder();
  const started = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < n) {
      const row = rows[next++ % rows.length]!;
      const h = natsHeaders();
      h.set(correlationHeader, row.correlationId);
      await js.publish(row.subject, encoder.encode(row.envelope), { msgID: `${prefix}-${row.eventId}-${next}`, headers: h });
    }
  };
  await Promise.all(Array.from({ length: batch }, lane));
  return performance.now() - started;
}

/** Drains the outbox with a fresh relay; ms from its start to the last row marked sent. */
async function relayDrain(): Promise<{ ms: number; stats: unknown }> {
  const relay = createOutboxRelay({ db, outbox, owner: "users", nats, logger, batchSize: batch, signal: database.outboxSignal });
  const started = performance.now();
  relay.start();
  while (relay.stats().published < count) await Bun.sleep(1);
  while (relay.backlog().pending > 0) await Bun.sleep(1);
  const ms = performance.now() - started;
  await relay.stop();
  return { ms, stats: relay.stats() };
}

let payloadBytes = 0;
const measured: { rawMs: number; relayMs: number; ratio: number }[] = [];
for (let round = 0; round < rounds; round++) {
  const rows = commitRound();
  payloadBytes = Math.round(rows.reduce((sum, r) => sum + r.envelope.length, 0) / rows.length);
  if (round === 0) await rawPublish(rows, "warm", Math.min(2000, count));
  const rawMs = await rawPublish(rows, `raw${round}`, count);
  const { ms: relayMs } = await relayDrain();
  measured.push({ rawMs, relayMs, ratio: rawMs / relayMs });
}
const median = <T>(values: T[], by: (v: T) => number) => [...values].sort((a, b) => by(a) - by(b))[Math.floor(values.length / 2)]!;
const middle = median(measured, (m) => m.ratio);

const relay = createOutboxRelay({ db, outbox, owner: "users", nats, logger, batchSize: batch, signal: database.outboxSignal });
relay.start();

// Steady rate: commit on a 5 ms schedule, catching up to rate × elapsed each tick.
const lastSeq = db.select().from(outbox).all().at(-1)!.seq;
const lagStarted = performance.now();
let committed = 0;
const target = lagRate * lagSeconds;
while (committed < target) {
  const due = Math.min(target, Math.floor(((performance.now() - lagStarted) / 1000) * lagRate));
  while (committed < due) {
    commitOne();
    committed++;
  }
  await Bun.sleep(5);
}
const commitSeconds = (performance.now() - lagStarted) / 1000;
while (relay.backlog().pending > 0) await Bun.sleep(5);
await relay.stop();
const lags = db
  .select()
  .from(outbox)
  .where(gt(outbox.seq, lastSeq))
  .all()
  .map((r) => (r.sentAt ?? Number.NaN) - r.createdAt)
  .sort((a, b) => a - b);
const pct = (p: number) => lags[Math.min(lags.length - 1, Math.floor((p / 100) * lags.length))]!;

await nats.stop();
database.close();
console.log(
  JSON.stringify({
    count,
    batch,
    payloadBytes,
    rounds: measured.map((m) => ({
      rawEventsPerSec: Math.round((count / m.rawMs) * 1000),
      relayEventsPerSec: Math.round((count / m.relayMs) * 1000),
      ratio: Math.round(m.ratio * 1000) / 1000,
    })),
    // The round whose ratio is the median: both sides of the stated ratio come from one round.
    raw: { ms: Math.round(middle.rawMs), eventsPerSec: Math.round((count / middle.rawMs) * 1000) },
    relay: { ms: Math.round(middle.relayMs), eventsPerSec: Math.round((count / middle.relayMs) * 1000) },
    lag: { rate: lagRate, seconds: lagSeconds, achievedRate: Math.round(committed / commitSeconds), events: lags.length, p50Ms: pct(50), p99Ms: pct(99), maxMs: lags.at(-1) },
  }),
);
process.exit(0);
