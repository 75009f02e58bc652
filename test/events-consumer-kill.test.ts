/**
 * A consumer's worker killed for real in the middle of handling a message: reporting runs as a
 * Bun process whose preload (support/preload-consumer-kill.ts) SIGKILLs it while it handles the
 * 2nd order.confirmed, either after the commit and before the ack, or inside the transaction
 * before the commit. Restarted, it gets the message again and each confirmation counts once.
 */
import { afterEach, describe, expect, it } from "vitest";
import { confirmedInOutbox, killSetup, placeOrder, readMarker, reportingView, startShop, type Shop } from "./support/kill-mesh";
import { stopAll, waitFor } from "./support/processes";

afterEach(stopAll); // each case has its own mesh
/** Seven real processes and a restart: minutes on a busy machine. */
const caseTimeoutMs = 240_000;

/** A shop whose reporting dies at `at` on the 2nd confirmation; returns once it is dead. */
async function shopWithDoomedReporting(at: "after-commit" | "before-commit") {
  // A short ack wait at the broker: the dead process's message comes back in a second, not 30.
  const kill = killSetup("preload-consumer-kill.ts", { KILL_TEST_AT: at, KILL_TEST_SUBJECT: "orders.order.confirmed", KILL_TEST_AFTER: "2", KILL_TEST_ACK_WAIT_MS: "1000" });
  const shop = await startShop({ reporting: kill });
  const doomed = shop.mesh.workers.reporting!;
  const orders = [];
  for (const quantity of [1, 2, 3]) orders.push(await placeOrder(shop, quantity));
  expect(orders.map((order) => order.status)).toEqual(["CONFIRMED", "CONFIRMED", "CONFIRMED"]);
  await doomed.exited;
  expect(doomed.child.signalCode).toBe("SIGKILL");
  const marker = readMarker(kill.marker);
  expect(marker).toMatchObject({ pid: doomed.pid, subject: "orders.order.confirmed", hits: 2, at });
  return { shop, kill, killedId: String(marker["eventId"]), eventIds: confirmedInOutbox(shop).eventIds };
}

/** Restarts reporting (the preload finds its marker and lets it run) and waits for all three confirmations. */
async function restartAndCatchUp(shop: Shop, kill: { env: Record<string, string>; bunArgs: string[] }) {
  await shop.mesh.start("reporting", kill.env, { bunArgs: kill.bunArgs, readyTimeoutMs: 60_000 });
  return waitFor(
    "reporting caught up",
    async () => {
      const view = reportingView(shop);
      return view.inbox.length >= 3 && view.customerOrders >= 3 ? view : undefined;
    },
    30_000,
  );
}

/** Exactly once: one inbox row per confirmation and the read models count three orders, six units. */
function expectAppliedOnce(shop: Shop, view: ReturnType<typeof reportingView>, eventIds: string[]) {
  expect(eventIds).toHaveLength(3);
  expect(view.inbox).toEqual([...eventIds].sort());
  expect(view).toMatchObject({ customerOrders: 3, dayOrders: 3, units: 6, spentCents: 6 * shop.priceCents });
}

describe("a consumer's worker SIGKILLed while handling a message", () => {
  it(
    "after its transaction committed and before the ack: redelivered after restart, found in the inbox, counted once",
    async () => {
      const { shop, kill, killedId, eventIds } = await shopWithDoomedReporting("after-commit");
      // Died where intended: the 2nd confirmation's effect and inbox row are committed.
      expect(killedId).toBe(eventIds[1]);
      const atKill = reportingView(shop);
      expect(atKill.inbox).toContain(killedId);
      expect(atKill.customerOrders).toBe(atKill.inbox.length);

      const view = await restartAndCatchUp(shop, kill);
      expectAppliedOnce(shop, view, eventIds);
    },
    caseTimeoutMs,
  );

  it(
    "inside its transaction before the commit: the half-done effect is gone, and after restart the event is applied once",
    async () => {
      const { shop, kill, killedId, eventIds } = await shopWithDoomedReporting("before-commit");
      // Died where intended: the inbox row was written but never committed, so nothing of the 2nd confirmation is in the DB.
      expect(killedId).toBe(eventIds[1]);
      const atKill = reportingView(shop);
      expect(atKill.inbox).toEqual([eventIds[0]]);
      expect(atKill).toMatchObject({ customerOrders: 1, units: 1 });

      const view = await restartAndCatchUp(shop, kill);
      expectAppliedOnce(shop, view, eventIds);
    },
    caseTimeoutMs,
  );
});
