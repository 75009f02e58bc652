/** 3. Outbox relay against raw JetStream async publish of the same payloads, and lag at a steady rate. */
import { tempDir } from "../../test/support/processes";
import { ratio } from "../lib/autocannon";
import { emptyResult, type Bench } from "../lib/types";

export const relayBench: Bench = {
  name: "relay",
  title: "Outbox relay vs raw JetStream publish; commit→ack lag",
  async run(ctx) {
    const result = emptyResult(
      this,
      "bench/servers/relay-runner.ts in one Bun process with a temp users.db and the bench's nats-server (JetStream, file storage). " +
        "Three rounds, each: N users.user.registered events committed to the outbox (one transaction each), then raw, then relay; " +
        "the ratio is the median round's (both sides from that round). Raw: the same envelopes published with " +
        "js.publish (fresh Nats-Msg-Id, correlation header) from that process, a window of 100 in flight. Relay: the kit's " +
        "createOutboxRelay (batch 100) draining the committed rows; events/s = N / time until the last row is marked sent after its ack. " +
        "Lag: a steady rate of events committed while the relay runs; lag = sent_at − created_at per event (ms).",
    );
    const quick = ctx.settings.quick;
    const nats = await ctx.nats();
    const out = await ctx.runBunScript("bench/servers/relay-runner.ts", {
      NATS_URL: nats.url,
      DATA_DIR: tempDir("bench-relay"),
      COUNT: String(quick ? 2000 : 20_000),
      BATCH: "100",
      LAG_RATE: "1000",
      LAG_SECONDS: String(quick ? 1 : 5),
    });
    const conditions = { tool: "bench/servers/relay-runner.ts (one Bun process)", events: out.count, window: out.batch, payloadBytes: out.payloadBytes, rounds: out.rounds.length };
    result.figures.push(
      { label: "raw JetStream async publish", conditions, values: { eventsPerSec: out.raw.eventsPerSec, ms: out.raw.ms } },
      { label: "outbox relay, commit → ack → marked sent", conditions, values: { eventsPerSec: out.relay.eventsPerSec, ms: out.relay.ms } },
      {
        label: `lag at a steady ${out.lag.rate} events/s`,
        conditions: { tool: conditions.tool, rate: out.lag.rate, seconds: out.lag.seconds, payloadBytes: out.payloadBytes },
        values: { achievedRate: out.lag.achievedRate, events: out.lag.events, p50Ms: out.lag.p50Ms, p99Ms: out.lag.p99Ms, maxMs: out.lag.maxMs },
      },
    );
    const r = ratio(out.relay.eventsPerSec, out.raw.eventsPerSec);
    result.ratios["relayOverRaw"] = r;
    result.notes.push("Not one of the aims since issue 13 (the old aim was ≥ 0.8): it says what the relay costs against publishing directly.");
    result.notes.push(
      `rounds (raw events/s, relay events/s, ratio): ${out.rounds.map((round: { rawEventsPerSec: number; relayEventsPerSec: number; ratio: number }) => `${round.rawEventsPerSec} / ${round.relayEventsPerSec} / ${round.ratio}`).join("; ")}`,
    );
    return result;
  },
};
