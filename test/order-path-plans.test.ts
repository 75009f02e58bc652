/**
 * The order path's SQL, each statement index-served. Orders are placed through the seven workers
 * built in this process as the bench's baseline builds them (bench/lib/one-process-mesh.ts: each
 * over its own database file with its migrations, its own NATS connection, relay and consumers,
 * on a real nats-server); every SQL text their databases run from the first order until every
 * event is applied and the saga sweeper has looked again is recorded (test/support/sql-plans.ts),
 * then planned with EXPLAIN QUERY PLAN on its own migrated database, with the triggers those
 * writes fire: each is a primary-key or index search, none a full scan of a table that grows, none
 * an aggregate over a customer's or product's history.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { connect, type NatsConnection } from "nats";
import { buildOneProcessMesh, type OneProcessMesh } from "../bench/lib/one-process-mesh";
import { streamOf } from "../shared/events/envelope";
import { consumedStreamsOf } from "../shared/mesh/nats-auth";
import { placement as catalogPlacement } from "../workers/catalog/contract";
import { placement as inventoryPlacement } from "../workers/inventory/contract";
import { placement as ordersPlacement } from "../workers/orders/contract";
import { placement as paymentsPlacement } from "../workers/payments/contract";
import { placement as reportingPlacement } from "../workers/reporting/contract";
import { drawPlan, installStatementRecorder, planProblems, queryPlanOf, triggerStatementsOf, writesOf, type StatementRecorder } from "./support/sql-plans";
import { adminHeaders, startNats, stopAll, tempDir, testAdminKey, testMeshSecret, waitFor, type RunningNats } from "./support/processes";

const databaseWorkers = ["users", "catalog", "inventory", "payments", "orders", "reporting"] as const;
const consumers = Object.entries({
  catalog: catalogPlacement,
  inventory: inventoryPlacement,
  orders: ordersPlacement,
  payments: paymentsPlacement,
  reporting: reportingPlacement,
}).flatMap(([name, placement]) => consumedStreamsOf({ name, consumes: placement.consumes }).map(({ owner, durable }) => ({ stream: streamOf(owner).name, durable })));
/** Tables a full scan may read: none on the order path so far (add one only if it cannot grow with orders, and say why). */
const boundedTables: ReadonlySet<string> = new Set();
const gateway = "http://gateway.in-process";

describe("every SQL statement an order runs is an index search", () => {
  let nats: RunningNats;
  let nc: NatsConnection;
  let dataDir: string;
  let mesh: OneProcessMesh;
  let recorder: StatementRecorder;
  /** The test's own read connections, one per worker database (not recorded). */
  const readers = new Map<string, Database.Database>();

  const send = async (method: string, path: string, body: unknown, headers: Record<string, string> = {}) => {
    const init = { method, headers: { "content-type": "application/json", ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) };
    const res = await mesh.fetch(new Request(`${gateway}${path}`, init));
    return { status: res.status, body: (await res.json()) as any };
  };
  const reader = (worker: string) => {
    if (!readers.has(worker)) {
      const connection = new Database(join(dataDir, `${worker}.db`), { readonly: true, fileMustExist: true });
      recorder.ignore(connection);
      readers.set(worker, connection);
    }
    return readers.get(worker)!;
  };

  beforeAll(async () => {
    recorder = installStatementRecorder();
    nats = await startNats();
    nc = await connect({ servers: nats.url });
    dataDir = tempDir("order-path-plans");
    mesh = await buildOneProcessMesh({ dataDir, natsUrl: nats.url, secret: testMeshSecret, adminApiKey: testAdminKey });
    const jsm = await nc.jetstreamManager();
    await waitFor("every durable consumer at the broker", async () => {
      await Promise.all(consumers.map((c) => jsm.consumers.info(c.stream, c.durable)));
      return true;
    });
  });
  afterAll(async () => {
    recorder?.uninstall();
    for (const connection of readers.values()) connection.close();
    await mesh?.stop();
    await nc?.close();
    await stopAll();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** Two customers with credit, two products in stock: the shop an order needs, written before recording starts. */
  async function seed(): Promise<{ customers: string[]; products: string[] }> {
    const admin = adminHeaders();
    const customers: string[] = [];
    const products: string[] = [];
    for (const i of [1, 2]) {
      const user = await send("POST", "/api/users", { email: `plans-${i}@example.com`, name: `Plans ${i}` });
      expect(user.status).toBe(201);
      expect((await send("PUT", `/api/customers/${user.body.id}/credit`, { limitCents: 1_000_000 }, admin)).status).toBe(200);
      const product = await send("POST", "/api/products", { sku: `PLANS-${i}`, name: `Plans product ${i}`, priceCents: 150 * i, attributes: {} }, admin);
      expect(product.status).toBe(201);
      expect((await send("PUT", `/api/inventory/${product.body.id}`, { onHand: 1000 }, admin)).status).toBe(200);
      customers.push(user.body.id);
      products.push(product.body.id);
    }
    return { customers, products };
  }

  /** Every outbox sent and every durable consumer with nothing pending or unacked: all the orders' events applied. */
  async function settled(): Promise<true | undefined> {
    const jsm = await nc.jetstreamManager();
    for (const worker of databaseWorkers) {
      const connection = reader(worker);
      if (!connection.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'outbox'").get()) continue;
      if (connection.prepare("SELECT 1 FROM outbox WHERE sent_at IS NULL LIMIT 1").get()) return undefined;
    }
    for (const { stream, durable } of consumers) {
      const info = await jsm.consumers.info(stream, durable);
      if (info.num_pending > 0 || info.num_ack_pending > 0) return undefined;
    }
    return true;
  }

  /** Each recorded text (and each trigger its writes fire) with its plan and what is wrong with it. */
  function plansOf(texts: Map<string, Set<string>>) {
    const plans: { worker: string; text: string; plan: string; problems: string[] }[] = [];
    for (const [file, set] of texts) {
      const worker = databaseWorkers.find((name) => file === join(dataDir, `${name}.db`));
      if (!worker) throw new Error(`a statement ran on ${file}, which is no worker's database`);
      const statements = [...set].map((text) => ({ text, via: "" }));
      const fired = [...set].flatMap(writesOf).flatMap((write) => triggerStatementsOf(reader(worker), write));
      for (const { trigger, text } of fired) if (!statements.some((s) => s.text === text)) statements.push({ text, via: ` (trigger ${trigger})` });
      for (const { text, via } of statements) {
        const rows = queryPlanOf(reader(worker), text);
        plans.push({ worker: `${worker}${via}`, text, plan: drawPlan(rows), problems: planProblems(reader(worker), text, rows, boundedTables) });
      }
    }
    return plans;
  }

  it("places and confirms orders, then finds a key or index search behind every statement they ran", async () => {
    const shop = await seed();
    // The seed's own events applied first, so what is recorded is the orders' doing.
    await waitFor("every event of the seed applied", settled);
    recorder.start();
    const bodies = [0, 1, 0, 1].map((i) => ({ customerId: shop.customers[i]!, items: [{ productId: shop.products[i]!, quantity: 1 }] }));
    bodies.push({ customerId: shop.customers[0]!, items: shop.products.map((productId) => ({ productId, quantity: 2 })) });
    for (const body of bodies) {
      const placed = await send("POST", "/api/orders", body);
      expect([201, 202], JSON.stringify(placed.body)).toContain(placed.status);
      // 202 when the saga outlasts the gateway's wait (a loaded machine): the order still confirms.
      const status = async () => (await send("GET", `/api/orders/${placed.body.id}`, undefined)).body.status;
      if (placed.status === 202) await waitFor(`order ${placed.body.id} confirmed`, async () => ((await status()) === "CONFIRMED" ? true : undefined));
      else expect(placed.body.status).toBe("CONFIRMED");
    }
    await waitFor("every event of the orders applied", settled);
    const settledAt = Date.now();
    await waitFor("the saga sweeper's next look for due sagas", async () => ((recorder.lastRun("orders.db", /"sagas"/) ?? 0) > settledAt ? true : undefined));
    recorder.stop();

    const texts = recorder.texts();
    // What every order writes whatever else it reads: its saga, its reservation, its payment, its report rows.
    expect([...texts.keys()]).toEqual(expect.arrayContaining(["orders", "inventory", "payments", "reporting"].map((worker) => join(dataDir, `${worker}.db`))));
    const plans = plansOf(texts);
    const report = plans
      .map((p) => `${p.problems.length > 0 ? "✗" : "✓"} ${p.worker}: ${p.text}\n${p.plan || "  (no table read)"}${p.problems.map((x) => `\n  → ${x}`).join("")}`)
      .join("\n\n");
    expect(
      plans.filter((p) => p.problems.length > 0).map((p) => `${p.worker}: ${p.text}`),
      `the order path's statements and their plans:\n\n${report}`,
    ).toEqual([]);
  });
});

describe("the plan check", () => {
  const connection = new Database(":memory:");
  connection.exec("CREATE TABLE t (id TEXT PRIMARY KEY, customer TEXT NOT NULL, cents INTEGER NOT NULL, note TEXT); CREATE INDEX t_customer ON t (customer)");
  const problemsOf = (text: string) => planProblems(connection, text, queryPlanOf(connection, text), new Set());
  afterAll(() => connection.close());

  it("accepts key and index searches, scalar min/max, and id lists passed as JSON", () => {
    expect(problemsOf("SELECT * FROM t WHERE id = ?")).toEqual([]);
    expect(problemsOf("SELECT * FROM t WHERE customer = ?")).toEqual([]);
    expect(problemsOf("UPDATE t SET cents = max(cents, ?) WHERE id = ?")).toEqual([]);
    expect(problemsOf("SELECT count(*) FROM t WHERE id = ?")).toEqual([]);
    expect(problemsOf("SELECT * FROM t WHERE id IN (SELECT value FROM json_each(?))")).toEqual([]);
  });

  it("refuses a full scan and an aggregate over a customer's rows, naming the plan line", () => {
    expect(problemsOf("SELECT * FROM t WHERE note = ?")).toEqual(["full scan: SCAN t"]);
    expect(problemsOf("SELECT sum(cents) FROM t WHERE customer = ?")).toEqual(["aggregates over more than one key's row: SEARCH t USING INDEX t_customer (customer=?)"]);
    expect(problemsOf("SELECT customer, count(*) FROM t GROUP BY customer")).toEqual([
      "full scan: SCAN t USING COVERING INDEX t_customer",
      "aggregates over more than one key's row: SCAN t USING COVERING INDEX t_customer",
    ]);
  });

  it("finds the statements of the triggers a write fires, and only those", () => {
    connection.exec("CREATE TABLE totals (customer TEXT PRIMARY KEY, cents INTEGER NOT NULL DEFAULT 0)");
    connection.exec("CREATE TRIGGER t_cents AFTER UPDATE OF cents ON t BEGIN UPDATE totals SET cents = cents + new.cents - old.cents WHERE customer = new.customer; END");
    const fired = (text: string) => writesOf(text).flatMap((write) => triggerStatementsOf(connection, write).map((statement) => statement.text));
    expect(fired('update "t" set "cents" = ? where "t"."id" = ?')).toEqual(["UPDATE totals SET cents = cents + ? - ? WHERE customer = ?"]);
    expect(fired('update "t" set "note" = ? where "t"."id" = ?')).toEqual([]);
    expect(fired('insert into "t" ("id", "customer", "cents") values (?, ?, ?) on conflict ("t"."id") do update set "cents" = ?')).toHaveLength(1);
    expect(fired('insert into "t" ("id", "customer", "cents") values (?, ?, ?)')).toEqual([]);
  });
});
