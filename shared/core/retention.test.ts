/** The retention settings: defaults, the notation, the floors and the rules between them, each problem named. */
import { describe, expect, it } from "vitest";
import { ConfigError, parseWorkerConfig, workerConfigSchema } from "./config";
import { parseByteSize, parseInterval } from "./durations";
import { defaultRetention, retentionOf } from "./retention";

const schema = workerConfigSchema(4000);
const problemsOf = (env: Record<string, string>) => {
  try {
    parseWorkerConfig(schema, env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
};

describe("retention settings", () => {
  it("default to what a shop would keep: streams 30 days and 1 GiB, sent outbox rows 1 hour, the inbox 7 days, idempotency keys 24 hours", () => {
    expect(defaultRetention).toEqual({ streamMaxAgeMs: 30 * 86_400_000, streamMaxBytes: 1024 ** 3, outboxSentMs: 3_600_000, inboxMs: 7 * 86_400_000, idempotencyKeysMs: 86_400_000 });
    expect(retentionOf(parseWorkerConfig(schema, {}))).toEqual(defaultRetention);
  });

  it("read durations and sizes as operators write them", () => {
    expect([parseInterval("90s"), parseInterval("15m"), parseInterval("24h"), parseInterval("7d"), parseInterval("250")]).toEqual([90_000, 900_000, 86_400_000, 604_800_000, 250]);
    expect([parseByteSize("512MB"), parseByteSize("1gb"), parseByteSize("4096")]).toEqual([512 * 1024 ** 2, 1024 ** 3, 4096]);
    const config = parseWorkerConfig(schema, {
      STREAM_MAX_AGE: "60d",
      STREAM_MAX_BYTES: "10GB",
      OUTBOX_SENT_RETENTION: "15m",
      INBOX_RETENTION: "14d",
      IDEMPOTENCY_KEY_RETENTION: "48h",
    });
    expect(retentionOf(config)).toEqual({
      streamMaxAgeMs: 60 * 86_400_000,
      streamMaxBytes: 10 * 1024 ** 3,
      outboxSentMs: 900_000,
      inboxMs: 14 * 86_400_000,
      idempotencyKeysMs: 172_800_000,
    });
  });

  it("name each bad value, each value below its floor, an inbox within the redelivery window and a stream kept shorter than the inbox", () => {
    expect(problemsOf({ INBOX_RETENTION: "a week", STREAM_MAX_BYTES: "lots", OUTBOX_SENT_RETENTION: "10s" })).toEqual([
      expect.stringMatching(/^STREAM_MAX_BYTES: not a size: "lots".*\(got "lots"\)$/),
      expect.stringMatching(/^OUTBOX_SENT_RETENTION: must be at least 1m .*\(got "10s"\)$/),
      expect.stringMatching(/^INBOX_RETENTION: not an interval: "a week".*\(got "a week"\)$/),
    ]);
    expect(problemsOf({ INBOX_RETENTION: "10m" })).toEqual([expect.stringMatching(/^INBOX_RETENTION: must be longer than the redelivery window \(10 min\)/)]);
    expect(problemsOf({ STREAM_MAX_AGE: "90s", INBOX_RETENTION: "11m" })).toEqual([expect.stringMatching(/^STREAM_MAX_AGE: must be at least 2m/)]);
    expect(problemsOf({ STREAM_MAX_AGE: "3d", INBOX_RETENTION: "7d" })).toEqual([expect.stringMatching(/^STREAM_MAX_AGE: must be at least INBOX_RETENTION/)]);
  });
});
