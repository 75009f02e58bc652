/**
 * The sales report's running totals (migrations/reporting/0003_sales_totals.sql): for any run of
 * confirmations and cancellations, some delivered twice, the totals row equals the sums over
 * revenue_by_day and the report answers it; a rebuild's clearing leaves nothing behind; the
 * migration backfills a database the previous release filled; and the report's statements are
 * index searches (no sum over the days, no sort of the products).
 */
import { randomUUID } from "node:crypto";
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { openWorkerDatabase, repoRoot, type WorkerDb } from "../../shared/db/db";
import { applyOnce } from "../../shared/events/inbox";
import { orderCancelled, orderConfirmed } from "../orders/events";
import { tempDir } from "../../test/support/processes";
import { aggregates, drawPlan, installStatementRecorder, queryPlanOf } from "../../test/support/sql-plans";
import Database from "better-sqlite3";
import { ordersConsumerName, ordersHandlers } from "./consumers";
import * as schema from "./schema";
import { salesReport } from "./service";

type Db = WorkerDb<typeof schema>;

const daySums = (db: Db) =>
  db.get<{ orders: number; units: number; revenueCents: number }>(
    sql`SELECT coalesce(sum(orders), 0) AS orders, coalesce(sum(units), 0) AS units, coalesce(sum(revenue_cents), 0) AS revenueCents FROM revenue_by_day`,
  );

const confirmed = (orderId: string, day: number, quantity: number, productId: string) => ({
  id: randomUUID(),
  type: orderConfirmed.subject,
  subject: orderConfirmed.subject,
  occurredAt: "2026-01-01T00:00:00.000Z",
  correlationId: "corr",
  causationId: null,
  data: {
    orderId,
    customerId: "c1",
    lines: [{ productId, name: productId, unitPriceCents: 250, quantity }],
    totalCents: 250 * quantity,
    confirmedAt: `2026-01-${String(day).padStart(2, "0")}T12:00:00.000Z`,
  },
});

const cancelled = (orderId: string, day: number, refundedCents: number) => ({
  ...confirmed(orderId, day, 1, "p"),
  type: orderCancelled.subject,
  subject: orderCancelled.subject,
  data: {
    orderId,
    customerId: "c1",
    totalCents: refundedCents,
    refundedCents,
    refundedAt: `2026-01-${String(day).padStart(2, "0")}T13:00:00.000Z`,
    cancelledAt: "2026-01-28T00:00:00.000Z",
  },
});

const event = fc.oneof(
  fc.record({ kind: fc.constant("confirmed" as const), day: fc.integer({ min: 1, max: 5 }), quantity: fc.integer({ min: 1, max: 4 }), product: fc.constantFrom("p1", "p2", "p3") }),
  fc.record({ kind: fc.constant("cancelled" as const), day: fc.integer({ min: 1, max: 5 }), refund: fc.integer({ min: 1, max: 500 }) }),
);

describe("reporting's sales totals", () => {
  const dirs: string[] = [];
  const open = async (migrationsFolder?: string) => {
    const dir = tempDir("reporting-totals");
    dirs.push(dir);
    return { dir, database: await openWorkerDatabase({ worker: "reporting", dataDir: dir, schema, checkpoints: false, ...(migrationsFolder ? { migrationsFolder } : {}) }) };
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("equal the sums over revenue_by_day after any run of events, repeats included, and the report answers them", async () => {
    const { database } = await open();
    const db = database.db;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(event, fc.boolean()), { maxLength: 40 }), async (events) => {
          let sequence = 0;
          for (const [e, twice] of events) {
            const envelope = e.kind === "confirmed" ? confirmed(randomUUID(), e.day, e.quantity, e.product) : cancelled(randomUUID(), e.day, e.refund);
            for (let n = twice ? 2 : 1; n > 0; n--)
              applyOnce(db, schema.inbox, ordersConsumerName, envelope, ordersHandlers[envelope.subject]!, { stream: "ORDERS", streamSequence: ++sequence });
          }
          expect(salesReport(db).totals).toEqual(daySums(db));
          db.transaction((tx) => {
            for (const table of schema.readModelTables) tx.delete(table).run();
            tx.delete(schema.inbox).run();
          });
          expect(db.all(sql`SELECT * FROM sales_totals`)).toEqual([]);
          expect(salesReport(db).totals).toEqual({ orders: 0, units: 0, revenueCents: 0 });
        }),
        { numRuns: 60 },
      );
    } finally {
      database.close();
    }
  });

  it("are backfilled by the migration from the days the previous release wrote, and follow its writes after it", async () => {
    const dir = tempDir("reporting-totals-previous");
    dirs.push(dir);
    const folder = join(dir, "migrations");
    cpSync(join(repoRoot, "migrations", "reporting"), folder, { recursive: true });
    const journalFile = join(folder, "meta", "_journal.json");
    const journal = JSON.parse(readFileSync(journalFile, "utf8")) as { entries: { tag: string }[] };
    journal.entries = journal.entries.filter((entry) => entry.tag < "0003");
    writeFileSync(journalFile, JSON.stringify(journal, null, 2));
    const previous = await open(folder);
    for (const day of [1, 2, 3])
      previous.database.db.run(
        sql`INSERT INTO revenue_by_day (day, orders, units, revenue_cents, refunded_cents) VALUES (${`2026-01-0${day}`}, ${day}, ${day * 2}, ${day * 1000}, ${day})`,
      );
    const before = daySums(previous.database.db);
    previous.database.close();

    const migrated = await openWorkerDatabase({ worker: "reporting", dataDir: previous.dir, schema, checkpoints: false });
    try {
      expect(salesReport(migrated.db).totals).toEqual(before);
      expect(before).toEqual({ orders: 6, units: 12, revenueCents: 6000 });
      // The previous release's write of a day (it knows nothing of the totals) still counts.
      migrated.db.run(sql`UPDATE revenue_by_day SET orders = orders + 1, units = units + 1, revenue_cents = revenue_cents + 500 WHERE day = '2026-01-02'`);
      expect(salesReport(migrated.db).totals).toEqual({ orders: 7, units: 13, revenueCents: 6500 });
    } finally {
      migrated.close();
    }
  });

  it("are read as index searches: no sum over the days, no sort of the products", async () => {
    const { dir, database } = await open();
    const recorder = installStatementRecorder();
    try {
      recorder.start();
      salesReport(database.db);
      recorder.stop();
      const file = join(dir, "reporting.db");
      const texts = [...(recorder.texts().get(file) ?? [])];
      const connection = new Database(file, { readonly: true });
      try {
        const plans = texts.map((text) => ({ text, plan: drawPlan(queryPlanOf(connection, text)), aggregates: aggregates(connection, text) }));
        expect(plans.find((p) => /from "sales_totals"/.test(p.text))?.plan).toMatch(/SEARCH sales_totals USING INTEGER PRIMARY KEY/);
        expect(plans.find((p) => /from "sales_by_product"/.test(p.text))?.plan).toMatch(/SCAN sales_by_product USING INDEX sales_by_product_revenue/);
        for (const p of plans) {
          expect(p.plan, p.text).not.toMatch(/TEMP B-TREE|SCAN revenue_by_day/);
          expect(p.aggregates && !/consumer_positions/.test(p.text), p.text).toBe(false);
        }
      } finally {
        connection.close();
      }
    } finally {
      recorder.uninstall();
      database.close();
    }
  });
});
