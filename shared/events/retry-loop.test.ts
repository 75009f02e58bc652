/** The loop under the relay and the consumers, with a sleeper that records instead of waiting. */
import { describe, expect, it } from "vitest";
import type { NatsConnectionProvider, NatsStatus } from "./nats";
import { runRetryLoop, type RetryLoop } from "./retry-loop";
import type { Sleeper } from "./timing";

function recordingSleeper(): Sleeper & { slept: number[] } {
  const slept: number[] = [];
  return { slept, sleep: async (ms) => void slept.push(ms), wake: () => undefined, clearWake: () => undefined, interrupt: () => undefined };
}

const natsIn = (status: NatsStatus): NatsConnectionProvider => ({ current: () => undefined, status: () => status });

/** A loop whose passes follow `script` ("ok" or "fail"), stopping when the script runs out. */
function scripted(script: ("ok" | "fail")[], nats: NatsConnectionProvider, failed: RetryLoop["failed"] = () => undefined) {
  const sleeper = recordingSleeper();
  const recovered: number[] = [];
  const failures: { failures: number; firstConnect: boolean }[] = [];
  let next = 0;
  const loop: RetryLoop = {
    stopped: () => next >= script.length,
    sleeper,
    nats,
    backoff: { initialMs: 100, maxMs: 1_000 },
    async pass(succeeded) {
      if (script[next++] === "fail") throw new Error("down");
      recovered.push(succeeded());
    },
    failed: (error, failure) => {
      failures.push(failure);
      return failed(error, failure);
    },
  };
  return { loop, sleeper, recovered, failures };
}

describe("runRetryLoop", () => {
  it("counts failed passes in a row, backs off longer after each, and tells the next good pass how many there were", async () => {
    const t = scripted(["fail", "fail", "fail", "ok", "fail", "ok"], natsIn("reconnecting"));
    await runRetryLoop(t.loop);
    expect(t.failures.map((f) => f.failures)).toEqual([0, 1, 2, 0]);
    expect(t.recovered).toEqual([3, 1]);
    // 100, 200, 400 then 100 again, each ±20% jitter.
    expect(t.sleeper.slept).toHaveLength(4);
    t.sleeper.slept.forEach((ms, i) => {
      const base = [100, 200, 400, 100][i]!;
      expect(ms).toBeGreaterThanOrEqual(0.8 * base);
      expect(ms).toBeLessThanOrEqual(1.2 * base);
    });
  });

  it("waits quietly while the worker's first connect is under way: short sleeps, no failure counted", async () => {
    const t = scripted(["fail", "fail", "ok"], natsIn("connecting"));
    await runRetryLoop(t.loop);
    expect(t.failures).toEqual([
      { failures: 0, firstConnect: true },
      { failures: 0, firstConnect: true },
    ]);
    expect(t.sleeper.slept).toEqual([50, 50]);
    expect(t.recovered).toEqual([0]);
  });

  it("ends at once, without sleeping, when a failure answers stop", async () => {
    const t = scripted(["fail", "ok"], natsIn("closed"), () => "stop");
    await runRetryLoop(t.loop);
    expect(t.sleeper.slept).toEqual([]);
    expect(t.recovered).toEqual([]);
  });
});
