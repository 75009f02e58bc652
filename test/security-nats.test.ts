/**
 * NATS permissions from the launcher's generated server config (shared/mesh/nats-auth.ts), against
 * a real nats-server 2.9: each worker's user publishes only its own subjects and reads only the
 * streams its config says it consumes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { statSync } from "node:fs";
import { connect, type NatsConnection } from "nats";
import { discoverWorkers } from "../shared/mesh/discover";
import { writeNatsAuthorization, type NatsAuthorization } from "../shared/mesh/nats-auth";
import { readMeshSettings } from "../shared/mesh/settings";
import { readSecretFile } from "../shared/identity";
import { ensureStream } from "../shared/events/streams";
import { repoRoot, startNats, stopAll, tempDir, type RunningNats } from "./support/processes";

let nats: RunningNats;
let auth: NatsAuthorization;
const connections: NatsConnection[] = [];

async function connectAs(user: string): Promise<NatsConnection> {
  const credentials = auth.credentials.get(user)!;
  const nc = await connect({ servers: nats.url, user, pass: readSecretFile(credentials.passwordFile, "password"), maxReconnectAttempts: 0 });
  connections.push(nc);
  return nc;
}

beforeAll(async () => {
  const dataDir = tempDir("nats-auth");
  const workers = await discoverWorkers(repoRoot, readMeshSettings({ DATA_DIR: dataDir }));
  auth = writeNatsAuthorization(dataDir, workers);
  nats = await startNats({ configFile: auth.configFile });
});
afterAll(async () => {
  for (const nc of connections) await nc.close().catch(() => {});
  await stopAll();
});

describe("per-worker NATS users", () => {
  it("keeps the config and every password file private (mode 0600)", () => {
    expect(statSync(auth.configFile).mode & 0o777).toBe(0o600);
    for (const { passwordFile } of auth.credentials.values()) expect(statSync(passwordFile).mode & 0o777).toBe(0o600);
    expect([...auth.credentials.keys()]).toEqual(expect.arrayContaining(["orders", "inventory", "catalog", "reporting", "operator"]));
  });

  it("refuses a user without its password", async () => {
    await expect(connect({ servers: nats.url, user: "orders", pass: "wrong", maxReconnectAttempts: 0 })).rejects.toThrow(/Authorization/i);
    await expect(connect({ servers: nats.url, maxReconnectAttempts: 0 })).rejects.toThrow(/Authorization/i);
  });

  it("lets orders publish orders.order.confirmed to its stream, and refuses inventory the same publish", async () => {
    const orders = await connectAs("orders");
    await ensureStream(await orders.jetstreamManager(), "orders");
    const ack = await orders.jetstream().publish("orders.order.confirmed", new TextEncoder().encode("{}"), { msgID: "perm-1" });
    expect(ack.stream).toBe("ORDERS");

    const inventory = await connectAs("inventory");
    await expect(inventory.jetstream().publish("orders.order.confirmed", new TextEncoder().encode("{}"), { msgID: "perm-2", timeout: 2_000 })).rejects.toThrow(
      /Permissions Violation for Publish to "orders\.order\.confirmed"/,
    );
    // Its own subjects are fine.
    await ensureStream(await inventory.jetstreamManager(), "inventory");
    expect((await inventory.jetstream().publish("inventory.stock.adjusted", new TextEncoder().encode("{}"))).stream).toBe("INVENTORY");
    expect((await (await orders.jetstreamManager()).streams.info("ORDERS")).state.messages).toBe(1);
  });

  it("lets reporting read the orders stream it consumes, and refuses inventory (which consumes nothing)", async () => {
    const reporting = await connectAs("reporting");
    const rjsm = await reporting.jetstreamManager();
    await rjsm.consumers.add("ORDERS", { durable_name: "perm-reader", ack_policy: "explicit" as never, filter_subject: "orders.>" });
    const consumer = await reporting.jetstream().consumers.get("ORDERS", "perm-reader");
    const message = await consumer.next({ expires: 2_000 });
    expect(message?.subject).toBe("orders.order.confirmed");
    message?.ack();

    const inventory = await connectAs("inventory");
    const ijsm = await inventory.jetstreamManager();
    await expect(ijsm.consumers.add("ORDERS", { durable_name: "perm-thief", ack_policy: "explicit" as never })).rejects.toThrow(/Permissions Violation/);
    await expect(ijsm.streams.getMessage("ORDERS", { seq: 1 })).rejects.toThrow(/Permissions Violation/);
    await expect(inventory.jetstream().consumers.get("ORDERS", "perm-reader")).rejects.toThrow(/Permissions Violation/);
    // Nor can it listen to orders' subjects on the core bus.
    const sub = inventory.subscribe("orders.>");
    const listening = (async () => {
      for await (const _ of sub) void _;
    })();
    await expect(listening).rejects.toThrow(/Permissions Violation for Subscription to "orders\.>"/);
    expect(nats.output()).toMatch(/"inventory".*Publish Violation|Publish Violation.*inventory/s);
  });
});
