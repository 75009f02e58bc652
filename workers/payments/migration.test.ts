/**
 * 0002_running_totals on a database with history: written at the previous migration (0001) the
 * way that release wrote it, then migrated, each account's totals equal the sums over its
 * payments and refunds and it answers what the summing code answered; a customer with history but
 * no limit gets a row at limit 0, one with only declines none. After the migration, writes made
 * the previous release's way (a rolling release) keep the totals right.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { openWorkerDatabase, repoRoot, type WorkerDb } from "../../shared/db/db";
import { tempDir } from "../../test/support/processes";
import { historySums, storedTotals, summedAccount } from "../../test/support/payments-history";
import { preparePaymentsQueries } from "./queries";
import * as schema from "./schema";
import { getAccount } from "./service";

const customers = ["c1", "c2", "c3", "c4"];
const statuses = ["AUTHORIZED", "CAPTURED", "VOIDED", "DECLINED"] as const;

/** migrations/payments as the previous release shipped it: up to 0001. */
function previousMigrations(dir: string): string {
  const folder = join(dir, "migrations");
  cpSync(join(repoRoot, "migrations", "payments"), folder, { recursive: true });
  const journalFile = join(folder, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalFile, "utf8")) as { entries: { idx: number }[] };
  journal.entries = journal.entries.filter((entry) => entry.idx <= 1);
  writeFileSync(journalFile, JSON.stringify(journal, null, 2));
  return folder;
}

/** History as the previous release's statements wrote it: limits for c1 and c2 only; c3 only declined; c4 held and captured with no limit row. */
function writeHistory(db: WorkerDb<typeof schema>): void {
  const at = "2026-01-01T00:00:00.000Z";
  db.run(sql`INSERT INTO accounts (customer_id, limit_cents, updated_at) VALUES ('c1', 500000, ${at}), ('c2', 1000, ${at})`);
  for (let i = 0; i < 240; i++) {
    const customerId = customers[i % customers.length]!;
    const status = customerId === "c3" ? "DECLINED" : statuses[Math.floor(i / customers.length) % statuses.length]!;
    const orderId = `o${i}`;
    db.run(
      sql`INSERT INTO payments (order_id, customer_id, amount_cents, status, created_at, updated_at) VALUES (${orderId}, ${customerId}, ${100 + ((i * 37) % 900)}, ${status}, ${at}, ${at})`,
    );
    if (status === "CAPTURED" && i % 3 === 0) {
      db.run(sql`INSERT INTO refunds (order_id, customer_id, amount_cents, refunded_at) SELECT order_id, customer_id, amount_cents, ${at} FROM payments WHERE order_id = ${orderId}`);
    }
  }
}

describe("payments migration 0002_running_totals", () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir("payments-migration");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("backfills each account's totals from its history, so every account answers as the summing code did", async () => {
    const previous = await openWorkerDatabase({ worker: "payments", dataDir: dir, schema, migrationsFolder: previousMigrations(dir), checkpoints: false });
    writeHistory(previous.db);
    const before = customers.map((customerId) => summedAccount(previous.db, customerId));
    // A history with something held, captured and refunded for both customers with a limit.
    for (const account of before.slice(0, 2)) expect(Math.min(account.authorizedCents, historySums(previous.db, account.customerId).refundedCents)).toBeGreaterThan(0);
    previous.close();

    const migrated = await openWorkerDatabase({ worker: "payments", dataDir: dir, schema, checkpoints: false });
    try {
      const q = preparePaymentsQueries(migrated.db);
      expect(customers.map((customerId) => getAccount(q, customerId))).toEqual(before);
      for (const customerId of customers) {
        const { limitCents: _limit, ...sums } = historySums(migrated.db, customerId);
        expect(storedTotals(migrated.db, customerId), customerId).toEqual(sums);
      }
      const rows = migrated.db.all<{ customer_id: string; limit_cents: number }>(sql`SELECT customer_id, limit_cents FROM accounts ORDER BY customer_id`);
      expect(rows).toEqual([
        { customer_id: "c1", limit_cents: 500000 },
        { customer_id: "c2", limit_cents: 1000 },
        { customer_id: "c4", limit_cents: 0 },
      ]);
      expect(storedTotals(migrated.db, "c4")).not.toEqual({ authorizedCents: 0, capturedCents: 0, refundedCents: 0 });
    } finally {
      migrated.close();
    }
  });

  it("keeps the totals right for writes made the previous release's way after it (a rolling release)", async () => {
    const migrated = await openWorkerDatabase({ worker: "payments", dataDir: dir, schema, checkpoints: false });
    try {
      const at = "2026-01-02T00:00:00.000Z";
      const db = migrated.db;
      db.run(sql`INSERT INTO accounts (customer_id, limit_cents, updated_at) VALUES ('c1', 10000, ${at})`);
      for (const [orderId, cents] of [
        ["a", 1000],
        ["b", 2000],
        ["c", 3000],
      ] as const) {
        db.run(sql`INSERT INTO payments (order_id, customer_id, amount_cents, status, created_at, updated_at) VALUES (${orderId}, 'c1', ${cents}, 'AUTHORIZED', ${at}, ${at})`);
      }
      db.run(
        sql`INSERT INTO payments (order_id, customer_id, amount_cents, status, decline_reason, declined_available_cents, created_at, updated_at) VALUES ('d', 'c1', 9000, 'DECLINED', 'credit_limit_exceeded', 4000, ${at}, ${at})`,
      );
      db.run(sql`UPDATE payments SET status = 'CAPTURED', updated_at = ${at} WHERE order_id IN ('a', 'b')`);
      db.run(sql`UPDATE payments SET status = 'VOIDED', updated_at = ${at} WHERE order_id = 'c'`);
      db.run(sql`INSERT INTO refunds (order_id, customer_id, amount_cents, refunded_at) VALUES ('a', 'c1', 1000, ${at})`);
      const { limitCents: _limit, ...sums } = historySums(db, "c1");
      expect(sums).toEqual({ authorizedCents: 0, capturedCents: 3000, refundedCents: 1000 });
      expect(storedTotals(db, "c1")).toEqual(sums);
      expect(getAccount(preparePaymentsQueries(db), "c1")).toEqual(summedAccount(db, "c1"));
    } finally {
      migrated.close();
    }
  });
});
