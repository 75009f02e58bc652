/** The waiters for a saga's end hold nothing once the wait is over, woken or timed out. */
import { describe, expect, it } from "vitest";
import { createEndWaiters } from "./saga-runner";

describe("a saga's end waiters", () => {
  it("forget an order once its waits time out, even when its saga never ends, and once it is woken", async () => {
    const waiters = createEndWaiters();
    const timedOut = Promise.all([waiters.wait("never-ends", 5), waiters.wait("never-ends", 10)]);
    const woken = waiters.wait("ends", 10_000);
    expect(waiters.size()).toBe(2);
    expect(await timedOut).toEqual([false, false]);
    expect(waiters.size()).toBe(1);
    waiters.wake("ends");
    expect(await woken).toBe(true);
    expect(waiters.size()).toBe(0);
  });
});
