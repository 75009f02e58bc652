/**
 * The retentions a soak runs with: every default multiplied by `--retention-scale`, raised where
 * it would fall below what the worker's config accepts (its floors and rules, shared/core/retention.ts),
 * so the run uses values a shop could set and says which ones it raised.
 *
 * @example scaledRetention(0.001).env // { OUTBOX_SENT_RETENTION: "60000", ... }
 */
import { z } from "zod";
import { redeliveryWindowMs, retentionSettings } from "../shared/core/retention";
import { durationSetting } from "../shared/core/durations";

/** Each retention a soak bounds a table or stream by, in ms (streamMaxBytes in bytes). */
export interface SoakRetention {
  streamMaxAgeMs: number;
  streamMaxBytes: number;
  outboxSentMs: number;
  inboxMs: number;
  idempotencyKeysMs: number;
  sagaMs: number;
}

// orders' SAGA_RETENTION (workers/orders/config.ts) with the same default and floor.
const sagaSetting = durationSetting("30d", { atLeast: "1m" });
const settings = { ...retentionSettings, SAGA_RETENTION: sagaSetting };
type Name = keyof typeof settings;

/** The smallest value a setting accepts: its floor, found by asking the setting itself. */
function floorOf(name: Name): number {
  let low = 1;
  let high = settings[name].parse(undefined) as number;
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (settings[name].safeParse(String(mid)).success) high = mid;
    else low = mid + 1;
  }
  return low;
}

export function scaledRetention(scale: number): { retention: SoakRetention; env: Record<string, string>; raised: string[] } {
  const defaults = z.object(settings).parse({});
  const values = {} as Record<Name, number>;
  const raised: string[] = [];
  for (const name of Object.keys(settings) as Name[]) {
    const wanted = Math.round(defaults[name] * scale);
    values[name] = Math.max(wanted, floorOf(name));
    if (values[name] > wanted) raised.push(`${name} ${wanted} → ${values[name]} ms (its floor)`);
  }
  // The rules between settings (retentionProblems): the inbox outlasts a redelivery, the stream the inbox.
  if (values.INBOX_RETENTION <= redeliveryWindowMs) {
    raised.push(`INBOX_RETENTION ${values.INBOX_RETENTION} → ${redeliveryWindowMs + 60_000} ms (longer than the redelivery window)`);
    values.INBOX_RETENTION = redeliveryWindowMs + 60_000;
  }
  if (values.STREAM_MAX_AGE < values.INBOX_RETENTION) {
    raised.push(`STREAM_MAX_AGE ${values.STREAM_MAX_AGE} → ${values.INBOX_RETENTION} ms (at least INBOX_RETENTION)`);
    values.STREAM_MAX_AGE = values.INBOX_RETENTION;
  }
  const env = Object.fromEntries(Object.entries(values).map(([name, value]) => [name, String(value)]));
  const retention = {
    streamMaxAgeMs: values.STREAM_MAX_AGE,
    streamMaxBytes: values.STREAM_MAX_BYTES,
    outboxSentMs: values.OUTBOX_SENT_RETENTION,
    inboxMs: values.INBOX_RETENTION,
    idempotencyKeysMs: values.IDEMPOTENCY_KEY_RETENTION,
    sagaMs: values.SAGA_RETENTION,
  };
  return { retention, env, raised };
}
