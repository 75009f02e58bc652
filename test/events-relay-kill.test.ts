/**
 * The outbox relay killed for real: orders runs as a Bun process whose preload
 * (support/preload-relay-kill.ts) SIGKILLs it right after JetStream acks its 3rd order.confirmed,
 * before the relay can mark the row sent. Restarted, orders' relay publishes the row again, the
 * broker drops the copy (same Nats-Msg-Id), and reporting, a real process reading the stream,
 * applies every confirmation exactly once.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { connect } from "nats";
import { readStream } from "./fixtures/events-consumer/helpers";
import { confirmedInOutbox, killSetup, placeOrder, readMarker, reportingView, startShop } from "./support/kill-mesh";
import { stopAll, waitFor } from "./support/processes";

afterAll(stopAll);

it("republishes the row acked but not marked when the relay's worker was SIGKILLed in between; each confirmation counts once in reporting", async () => {
  const kill = killSetup("preload-relay-kill.ts", { KILL_TEST_SUBJECT: "orders.order.confirmed", KILL_TEST_AFTER: "3" });
  const acksFile = join(kill.dir, "acks.jsonl");
  kill.env["KILL_TEST_ACKS"] = acksFile;
  const shop = await startShop({ orders: kill });
  const doomed = shop.mesh.workers.orders!;

  // Placed one by one: each confirmation is published on its own, the 3rd ack kills orders.
  const before = [];
  for (const quantity of [1, 2, 3]) before.push(await placeOrder(shop, quantity));
  expect(before.map((order) => order.status)).toEqual(["CONFIRMED", "CONFIRMED", "CONFIRMED"]);
  await doomed.exited;
  expect(doomed.child.signalCode).toBe("SIGKILL");

  // Killed where intended: the 3rd confirmation is in the stream (acked) and still unsent in the outbox.
  const marker = readMarker(kill.marker);
  expect(marker).toMatchObject({ pid: doomed.pid, subject: "orders.order.confirmed", hits: 3 });
  const killedId = String(marker["msgId"]);
  const outboxAtKill = confirmedInOutbox(shop);
  expect(outboxAtKill.eventIds).toHaveLength(3);
  expect(outboxAtKill.eventIds[2]).toBe(killedId);
  expect(outboxAtKill.unsentIds).toContain(killedId);
  const nc = await connect({ servers: shop.nats.url });
  const storedIds = async () => (await readStream(nc, "ORDERS")).filter((m) => m.subject === "orders.order.confirmed").map((m) => m.header.get("Nats-Msg-Id"));
  expect(await storedIds()).toContain(killedId);

  // Restarted (the preload only records now: the marker exists), and two more orders.
  await shop.mesh.start("orders", kill.env, { bunArgs: kill.bunArgs, readyTimeoutMs: 60_000 });
  const after = [await placeOrder(shop, 4), await placeOrder(shop, 5)];
  expect(after.map((order) => order.status)).toEqual(["CONFIRMED", "CONFIRMED"]);
  await waitFor("orders' outbox drained", async () => (confirmedInOutbox(shop).unsentIds.length === 0 ? true : undefined), 30_000);
  const view = await waitFor(
    "reporting caught up",
    async () => {
      const current = reportingView(shop);
      return current.inbox.length >= 5 && current.customerOrders >= 5 ? current : undefined;
    },
    30_000,
  );

  // The republish happened and the broker called it a duplicate; the stream holds one copy of each.
  const acks = readFileSync(acksFile, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { msgId: string; duplicate: boolean; pid: number });
  const republished = acks.filter((ack) => ack.msgId === killedId && ack.pid !== doomed.pid);
  expect(republished.length).toBeGreaterThanOrEqual(1);
  expect(republished.every((ack) => ack.duplicate)).toBe(true);
  const eventIds = confirmedInOutbox(shop).eventIds;
  expect(eventIds).toHaveLength(5);
  expect((await storedIds()).sort()).toEqual([...eventIds].sort());

  // Exactly once in reporting: one inbox row per event, and the read models count five orders, 15 units.
  expect(view.inbox).toEqual([...eventIds].sort());
  expect(view).toMatchObject({ customerOrders: 5, dayOrders: 5, units: 15, spentCents: 15 * shop.priceCents });
  await nc.close();
}, 240_000); // seven real processes and two orders' runs: minutes on a busy machine
