/**
 * How long each kind of a worker's data is kept, one setting per kind (README "Retention"): its
 * stream's events (STREAM_MAX_AGE, with STREAM_MAX_BYTES as a backstop), sent outbox rows
 * (OUTBOX_SENT_RETENTION: never read again once the broker acked them), the inbox
 * (INBOX_RETENTION: what makes a redelivered or replayed event a no-op) and idempotency keys
 * (IDEMPOTENCY_KEY_RETENTION: how long a client may retry a write with the same key). Parsed with
 * the rest of the config; `retentionProblems` states the rules between them.
 *
 * @example
 *   const retention = retentionOf(config); // { streamMaxAgeMs: 2_592_000_000, inboxMs: 604_800_000, ... }
 */
import { z } from "zod";
import { byteSizeSetting, durationSetting } from "./durations";

/**
 * The longest a consumer may still see an event again by redelivery: its ack wait (30 s) times
 * the deliveries before the dead letters (5), with room for the backoff between them. The inbox
 * must outlast it by far, or a redelivered event would be applied twice.
 */
export const redeliveryWindowMs = 10 * 60_000;

export const retentionSettings = {
  /**
   * A stream keeps its events this long (then JetStream drops the oldest): new consumers and rebuilds read this far back.
   * At least the broker's duplicate window (2 min, streams.ts), which JetStream refuses to exceed the max age; and the inbox's retention (retentionProblems).
   */
  STREAM_MAX_AGE: durationSetting("30d", { atLeast: "2m" }),
  /** …and at most this many bytes per stream, whatever their age: the disk's backstop. */
  STREAM_MAX_BYTES: byteSizeSetting("1GB", { atLeast: "1MB" }),
  /** Sent outbox rows: kept a while for whoever debugs a publish, never read again by the relay. */
  OUTBOX_SENT_RETENTION: durationSetting("1h", { atLeast: "1m" }),
  /** Handled inbox rows: an event seen again within this is dropped as a repeat. Longer than the redelivery window (retentionProblems). */
  INBOX_RETENTION: durationSetting("7d"),
  /** Idempotency keys: a write retried with the same key within this answers the first result. */
  IDEMPOTENCY_KEY_RETENTION: durationSetting("24h", { atLeast: "1m" }),
};

export interface Retention {
  streamMaxAgeMs: number;
  streamMaxBytes: number;
  outboxSentMs: number;
  inboxMs: number;
  idempotencyKeysMs: number;
}

interface RetentionConfig {
  STREAM_MAX_AGE: number;
  STREAM_MAX_BYTES: number;
  OUTBOX_SENT_RETENTION: number;
  INBOX_RETENTION: number;
  IDEMPOTENCY_KEY_RETENTION: number;
}

/**
 * The rules between the settings, each broken one named (parseConfig's form, for a ConfigError):
 * the inbox outlasts any redelivery, and the stream outlasts the inbox (an event still in the
 * stream is one the inbox still knows, so a consumer reset to an old position drops what it
 * applied rather than applying it again).
 */
export function retentionProblems(config: RetentionConfig): string[] {
  const problems: string[] = [];
  if (typeof config.INBOX_RETENTION !== "number" || typeof config.STREAM_MAX_AGE !== "number") return problems;
  if (config.INBOX_RETENTION <= redeliveryWindowMs) problems.push(`INBOX_RETENTION: must be longer than the redelivery window (${redeliveryWindowMs / 60_000} min)`);
  if (config.STREAM_MAX_AGE < config.INBOX_RETENTION) problems.push("STREAM_MAX_AGE: must be at least INBOX_RETENTION (an event still in the stream must still be known to the inbox)");
  return problems;
}

export function retentionOf(config: RetentionConfig): Retention {
  return {
    streamMaxAgeMs: config.STREAM_MAX_AGE,
    streamMaxBytes: config.STREAM_MAX_BYTES,
    outboxSentMs: config.OUTBOX_SENT_RETENTION,
    inboxMs: config.INBOX_RETENTION,
    idempotencyKeysMs: config.IDEMPOTENCY_KEY_RETENTION,
  };
}

/** Every setting at its default: what a worker built without config (in-process tests, the one-process bench) keeps. */
export const defaultRetention: Retention = retentionOf(z.object(retentionSettings).parse({}));
