import { describe, expect, it } from "vitest";
import { breakerStates, reportBreakers, type BreakerState } from "./breakers";
import type { HealthFacts } from "./app";

/** A stand-in peer client whose breaker the test moves. */
function fakeClient(peer: string, initial: BreakerState) {
  const client = { peer, state: initial, breakerState: () => client.state };
  return client;
}

describe("breakerStates / reportBreakers (each worker's breakers per peer on /health/ready)", () => {
  it("reads every client's breaker when asked, so a probe sees the state now", () => {
    const users = fakeClient("users", "closed");
    const payments = fakeClient("payments", "closed");
    const states = breakerStates([users, payments]);
    expect(states()).toEqual({ users: "closed", payments: "closed" });
    payments.state = "open";
    expect(states()).toEqual({ users: "closed", payments: "open" });
  });

  it("adds them to the worker's health facts under `breakers` and returns the same worker", async () => {
    const facts: HealthFacts[] = [];
    const worker = { addHealth: (more: HealthFacts) => void facts.push(more) };
    const inventory = fakeClient("inventory", "half-open");
    expect(reportBreakers(worker, breakerStates([inventory]))).toBe(worker);
    expect(facts).toHaveLength(1);
    expect(await facts[0]!()).toEqual({ breakers: { inventory: "half-open" } });
  });
});
