/**
 * NATS permissions from the launcher's generated server config (shared/mesh/nats-auth.ts), against
 * a real nats-server 2.9: each worker's user publishes only its own subjects, reads only the
 * streams its config says it consumes and only through its own durables, dead-letters only under
 * its own consumer, and subscribes only its own inbox prefix. The config holds bcrypt hashes, no
 * plaintext password. Each worker registers only its own NATS service (and finds others' by ping). An extra user `auditor` reads the orders stream beside reporting, so one
 * reader of a stream is shown refused the other's durable, dead letters and inbox.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, statSync } from "node:fs";
import { connect, type NatsConnection } from "nats";
import { consumedStreamsOf, inboxPrefixOf, natsPasswordHashCost, type NatsWorker } from "../shared/mesh/nats-auth";
import { readSecretFile } from "../shared/core/secrets";
import { ensureStream } from "../shared/events/streams";
import { stockConsumerName } from "../workers/catalog/consumers";
import { ordersConsumerName } from "../workers/reporting/consumers";
import { bunBin, runToEnd, startNats, stopAll, tempDir, waitFor, type RunningNats } from "./support/processes";
import { createServiceRegistration, findServiceInstances } from "../shared/rpc/service-registry";
import { fixedNatsConnection } from "../shared/events/nats";
import { createLogger } from "../shared/core/logger";

interface WrittenAuthorization {
  configFile: string;
  credentials: Record<string, { user: string; passwordFile: string }>;
  workers: NatsWorker[];
}

let nats: RunningNats;
let auth: WrittenAuthorization;
const connections: NatsConnection[] = [];
const bytes = (text: string) => new TextEncoder().encode(text);
const extraWorkers: NatsWorker[] = [{ name: "auditor", consumes: ["orders"] }];

const passwordOf = (user: string) => readSecretFile(auth.credentials[user]!.passwordFile, "password");

/** Logs in as `user` with its own inbox prefix, as the workers' connections do (shared/events/nats.ts). */
async function connectAs(user: string): Promise<NatsConnection> {
  const nc = await connect({ servers: nats.url, user, pass: passwordOf(user), inboxPrefix: inboxPrefixOf(user), maxReconnectAttempts: 0 });
  connections.push(nc);
  return nc;
}

/** A subscription the server refuses ends its iterator with the violation. */
function subscriptionError(nc: NatsConnection, subject: string): Promise<unknown> {
  const sub = nc.subscribe(subject);
  return (async () => {
    for await (const _ of sub) void _;
  })();
}

beforeAll(async () => {
  const dataDir = tempDir("nats-auth");
  const written = await runToEnd(bunBin, ["run", "test/support/write-nats-auth.ts", dataDir, JSON.stringify(extraWorkers)]);
  expect(written.code, written.output).toBe(0);
  auth = JSON.parse(written.output.slice(written.output.indexOf("{"))) as WrittenAuthorization;
  nats = await startNats({ configFile: auth.configFile });
});
afterAll(async () => {
  for (const nc of connections) await nc.close().catch(() => {});
  await stopAll();
});

describe("per-worker NATS users", () => {
  it("keeps the config and every password file private (mode 0600)", () => {
    expect(statSync(auth.configFile).mode & 0o777).toBe(0o600);
    for (const { passwordFile } of Object.values(auth.credentials)) expect(statSync(passwordFile).mode & 0o777).toBe(0o600);
    expect(Object.keys(auth.credentials)).toEqual(expect.arrayContaining(["orders", "inventory", "catalog", "reporting", "operator"]));
  });

  it("stores bcrypt hashes, no plaintext password: the server starts without warning and takes every user's login", async () => {
    const config = readFileSync(auth.configFile, "utf8");
    const stored = [...config.matchAll(/password: "([^"]*)"/g)].map((match) => match[1]!);
    expect(stored).toHaveLength(Object.keys(auth.credentials).length);
    for (const hash of stored) {
      expect(hash).toMatch(/^\$2[ab]\$\d\d\$[./A-Za-z0-9]{53}$/);
      expect(Number(hash.slice(4, 6))).toBeGreaterThanOrEqual(natsPasswordHashCost);
    }
    for (const user of Object.keys(auth.credentials)) expect(config.includes(passwordOf(user)), `${user}'s password in the config`).toBe(false);
    expect(nats.output()).toContain("Server is ready");
    expect(nats.output()).not.toMatch(/plaintext password/i);
    for (const user of Object.keys(auth.credentials)) expect((await connectAs(user)).info?.server_id, user).toBeTruthy();
  });

  it("refuses a user without its password", async () => {
    await expect(connect({ servers: nats.url, user: "orders", pass: "wrong", maxReconnectAttempts: 0 })).rejects.toThrow(/Authorization/i);
    await expect(connect({ servers: nats.url, maxReconnectAttempts: 0 })).rejects.toThrow(/Authorization/i);
  });

  it("grants the consumers the workers run, by the names they use", () => {
    const durables = (name: string) => consumedStreamsOf(auth.workers.find((worker) => worker.name === name)!).map((entry) => entry.durable);
    expect(durables("catalog")).toEqual([stockConsumerName]);
    expect(durables("reporting")).toEqual([ordersConsumerName]);
  });

  it("lets orders publish orders.order.confirmed to its stream, and refuses inventory the same publish", async () => {
    const orders = await connectAs("orders");
    await ensureStream(await orders.jetstreamManager(), "orders");
    const ack = await orders.jetstream().publish("orders.order.confirmed", bytes("{}"), { msgID: "perm-1" });
    expect(ack.stream).toBe("ORDERS");

    const inventory = await connectAs("inventory");
    await expect(inventory.jetstream().publish("orders.order.confirmed", bytes("{}"), { msgID: "perm-2", timeout: 2_000 })).rejects.toThrow(
      /Permissions Violation for Publish to "orders\.order\.confirmed"/,
    );
    // Its own subjects are fine.
    await ensureStream(await inventory.jetstreamManager(), "inventory");
    expect((await inventory.jetstream().publish("inventory.stock.adjusted", bytes("{}"))).stream).toBe("INVENTORY");
    expect((await (await orders.jetstreamManager()).streams.info("ORDERS")).state.messages).toBe(1);
  });

  it("lets reporting read the orders stream through its own durable, and refuses inventory (which consumes nothing)", async () => {
    const reporting = await connectAs("reporting");
    const rjsm = await reporting.jetstreamManager();
    await rjsm.consumers.add("ORDERS", { durable_name: ordersConsumerName, ack_policy: "explicit" as never, filter_subject: "orders.>" });
    const consumer = await reporting.jetstream().consumers.get("ORDERS", ordersConsumerName);
    const message = await consumer.next({ expires: 2_000 });
    expect(message?.subject).toBe("orders.order.confirmed");
    message?.ack();
    // Another durable name on the same stream is not its own.
    await expect(rjsm.consumers.add("ORDERS", { durable_name: "perm-other", ack_policy: "explicit" as never })).rejects.toThrow(/Permissions Violation/);

    const inventory = await connectAs("inventory");
    const ijsm = await inventory.jetstreamManager();
    await expect(ijsm.consumers.add("ORDERS", { durable_name: "perm-thief", ack_policy: "explicit" as never })).rejects.toThrow(/Permissions Violation/);
    await expect(ijsm.streams.getMessage("ORDERS", { seq: 1 })).rejects.toThrow(/Permissions Violation/);
    await expect(inventory.jetstream().consumers.get("ORDERS", ordersConsumerName)).rejects.toThrow(/Permissions Violation/);
    // Nor can it listen to orders' subjects on the core bus.
    await expect(subscriptionError(inventory, "orders.>")).rejects.toThrow(/Permissions Violation for Subscription to "orders\.>"/);
    expect(nats.output()).toMatch(/"inventory".*Publish Violation|Publish Violation.*inventory/s);
  });

  it("refuses one reader of a stream the other reader's inbox, durable and dead letters", async () => {
    const reporting = await connectAs("reporting");
    const auditor = await connectAs("auditor");
    const ajsm = await auditor.jetstreamManager();
    // Its own durable on the stream both read works.
    await ajsm.consumers.add("ORDERS", { durable_name: "auditor-orders", ack_policy: "explicit" as never, filter_subject: "orders.>" });
    expect((await ajsm.consumers.info("ORDERS", "auditor-orders")).name).toBe("auditor-orders");

    // reporting's inbox prefix (its pull deliveries and request replies), and the shared `_INBOX.>`.
    await expect(subscriptionError(auditor, `${inboxPrefixOf("reporting")}.>`)).rejects.toThrow(/Permissions Violation for Subscription to "_INBOX_reporting\.>"/);
    await expect(subscriptionError(auditor, "_INBOX.>")).rejects.toThrow(/Permissions Violation for Subscription to "_INBOX\.>"/);
    // reporting's durable: not to read, fetch from, delete, or create under its name.
    await expect(ajsm.consumers.info("ORDERS", ordersConsumerName)).rejects.toThrow(/Permissions Violation/);
    await expect(ajsm.consumers.delete("ORDERS", ordersConsumerName)).rejects.toThrow(/Permissions Violation for Publish to "\$JS\.API\.CONSUMER\.DELETE\.ORDERS\.reporting-orders"/);
    await expect(auditor.request(`$JS.API.CONSUMER.MSG.NEXT.ORDERS.${ordersConsumerName}`, bytes('{"batch":1}'), { timeout: 2_000 })).rejects.toThrow(/Permissions Violation/);
    expect((await (await reporting.jetstreamManager()).consumers.info("ORDERS", ordersConsumerName)).name).toBe(ordersConsumerName);

    // Dead letters: under its own consumer only.
    await ajsm.streams.add({ name: "DLQ", subjects: ["dlq.>"] });
    await expect(auditor.jetstream().publish(`dlq.${ordersConsumerName}.orders.order.confirmed`, bytes("{}"), { timeout: 2_000 })).rejects.toThrow(
      /Permissions Violation for Publish to "dlq\.reporting-orders\.orders\.order\.confirmed"/,
    );
    expect((await auditor.jetstream().publish("dlq.auditor-orders.orders.order.confirmed", bytes("{}"))).stream).toBe("DLQ");
    expect((await (await reporting.jetstreamManager()).streams.info("DLQ")).state.messages).toBe(1);
  });

  it("lets a worker register its own service and find another's, and refuses it another worker's service subjects", async () => {
    const inventory = await connectAs("inventory");
    const registration = createServiceRegistration({
      nats: fixedNatsConnection(inventory),
      name: "inventory",
      version: "0.1.0",
      metadata: { url: "http://10.0.0.7:4103", host: "host-b", pid: "42" },
      isReady: () => true,
      logger: createLogger({ worker: "inventory", level: "silent" }),
      checkEveryMs: 100,
    });
    registration.start();
    try {
      // orders finds it through $SRV.PING.inventory: the replies come back on orders' own inbox.
      const orders = await connectAs("orders");
      const found = await waitFor("inventory's service", async () =>
        (await findServiceInstances(orders, "inventory")).find((instance) => instance.metadata.url === "http://10.0.0.7:4103"),
      );
      expect(found).toMatchObject({ name: "inventory", version: "0.1.0", metadata: { host: "host-b", pid: "42" } });
      expect(found.id).toBe(registration.instanceId());
      // Its readiness, in the stats the operator reads.
      const operator = await connectAs("operator");
      const stats = JSON.parse(new TextDecoder().decode((await operator.request(`$SRV.STATS.inventory.${found.id}`, undefined, { timeout: 2_000 })).data)) as {
        endpoints: { data: unknown }[];
      };
      expect(stats.endpoints[0]!.data).toEqual({ ready: true });

      // orders may not answer for inventory, nor take its readiness endpoint.
      await expect(subscriptionError(orders, "$SRV.PING.inventory")).rejects.toThrow(/Permissions Violation for Subscription to "\$SRV\.PING\.inventory"/);
      await expect(subscriptionError(orders, "svc.inventory.>")).rejects.toThrow(/Permissions Violation for Subscription to "svc\.inventory\.>"/);
      // Nor ask a service for more than who it is.
      await expect(orders.request(`$SRV.STATS.inventory`, undefined, { timeout: 2_000 })).rejects.toThrow(/Permissions Violation/);
    } finally {
      await registration.stop();
    }
  });
});
