/** The soak's scaled retentions are values a worker's config accepts, each raised one named. */
import { describe, expect, it } from "vitest";
import { parseWorkerConfig, workerConfigSchema } from "../shared/core/config";
import { retentionOf } from "../shared/core/retention";
import { scaledRetention } from "./retention";

describe("scaledRetention", () => {
  it("keeps the defaults at scale 1 and passes them to the workers as plain milliseconds", () => {
    const { retention, env, raised } = scaledRetention(1);
    expect(retention).toEqual({
      streamMaxAgeMs: 30 * 86_400_000,
      streamMaxBytes: 1024 ** 3,
      outboxSentMs: 3_600_000,
      inboxMs: 7 * 86_400_000,
      idempotencyKeysMs: 86_400_000,
      sagaMs: 30 * 86_400_000,
    });
    expect(env["INBOX_RETENTION"]).toBe(String(7 * 86_400_000));
    expect(raised).toEqual([]);
  });

  it("scales every retention, raises what falls below its floor to the floor, and the config accepts the result", () => {
    const { retention, env, raised } = scaledRetention(0.001);
    expect(retention.idempotencyKeysMs).toBe(86_400);
    expect(retention.outboxSentMs).toBe(60_000);
    expect(retention.inboxMs).toBe(604_800);
    expect(retention.streamMaxAgeMs).toBe(2_592_000);
    expect(scaledRetention(0.0001).retention).toMatchObject({ inboxMs: 660_000, streamMaxAgeMs: 660_000, sagaMs: 259_200 });
    expect(raised).toEqual([expect.stringMatching(/^OUTBOX_SENT_RETENTION 3600 → 60000 ms \(its floor\)/)]);
    const { SAGA_RETENTION, ...kit } = env;
    expect(retentionOf(parseWorkerConfig(workerConfigSchema(4000), kit))).toEqual({
      streamMaxAgeMs: 2_592_000,
      streamMaxBytes: 1_073_742,
      outboxSentMs: 60_000,
      inboxMs: 604_800,
      idempotencyKeysMs: 86_400,
    });
    expect(SAGA_RETENTION).toBe("2592000");
  });
});
