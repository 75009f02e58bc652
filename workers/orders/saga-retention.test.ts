/** Finished sagas past SAGA_RETENTION go with their logs; unfinished, NEEDS_ATTENTION and recent ones, and every order, stay. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { openWorkerDatabase } from "../../shared/db/db";
import { pruneOnce } from "../../shared/events/prune";
import * as schema from "./schema";
import { finishedSagasRule } from "./saga-retention";

const day = 86_400_000;

describe("finished sagas' retention", () => {
  it("removes DONE sagas that ended before the retention, with their step logs, in batches; keeps the rest and every order", async () => {
    const database = await openWorkerDatabase({ worker: "orders", dataDir: mkdtempSync(join(tmpdir(), "bunmesh-saga-retention-")), schema });
    const { db } = database;
    const now = Date.now();
    const cases = [
      ...Array.from({ length: 7 }, (_, i) => ({ id: `old-done-${i}`, state: "DONE" as const, updatedAt: now - 40 * day + i })),
      { id: "recent-done", state: "DONE" as const, updatedAt: now - day },
      { id: "old-attention", state: "NEEDS_ATTENTION" as const, updatedAt: now - 40 * day },
      { id: "old-unfinished", state: "AUTHORIZING" as const, updatedAt: now - 40 * day },
    ];
    for (const c of cases) {
      db.insert(schema.orders)
        .values({
          id: c.id,
          customerId: "c1",
          status: c.state === "DONE" ? "CONFIRMED" : "PENDING",
          totalCents: 100,
          correlationId: `corr-${c.id}`,
          createdAt: new Date(c.updatedAt).toISOString(),
          updatedAt: new Date(c.updatedAt).toISOString(),
        })
        .run();
      db.insert(schema.sagas)
        .values({ orderId: c.id, state: c.state, attempts: 0, deadlineAt: c.updatedAt, nextAttemptAt: c.updatedAt, createdAt: c.updatedAt, updatedAt: c.updatedAt })
        .run();
      db.insert(schema.sagaLog)
        .values([
          { orderId: c.id, step: "reserve", outcome: "ok", at: c.updatedAt },
          { orderId: c.id, step: "authorize", outcome: "ok", at: c.updatedAt },
        ])
        .run();
    }
    const rule = finishedSagasRule(db, 30 * day);
    const tables = { rules: [rule] };
    const retention = { outboxSentMs: day, inboxMs: day, idempotencyKeysMs: day };

    expect(pruneOnce(db, tables, retention, now, { batch: 3, maxBatches: 2 })).toMatchObject({ more: true, byRule: { finishedSagas: 6 } });
    expect(pruneOnce(db, tables, retention, now, { batch: 3, maxBatches: 2 })).toMatchObject({ more: false, byRule: { finishedSagas: 1 } });
    const left = (table: string) => db.all<{ id: string }>(sql.raw(`select distinct ${table === "orders" ? "id" : "order_id"} as id from ${table} order by 1`)).map((row) => row.id);
    expect(left("sagas")).toEqual(["old-attention", "old-unfinished", "recent-done"]);
    expect(left("saga_log")).toEqual(["old-attention", "old-unfinished", "recent-done"]);
    expect(left("orders")).toHaveLength(cases.length);
    const plan = db
      .all<{ detail: string }>(
        sql.raw(`explain query plan select order_id from sagas indexed by sagas_done_updated where state = 'DONE' and updated_at < 1 order by updated_at limit 3`),
      )
      .map((step) => step.detail);
    expect(plan.join("; ")).toMatch(/USING (COVERING )?INDEX sagas_done_updated/);
    expect(plan.join("; ")).not.toMatch(/TEMP B-TREE/); // no sort of the DONE sagas
    database.close();
  });
});

describe("the sagas' lists", () => {
  it("are served in listSagas' order from an index, with and without a state, never by sorting the table; the audit's unfinished sagas from the partial index", async () => {
    const database = await openWorkerDatabase({ worker: "orders", dataDir: mkdtempSync(join(tmpdir(), "bunmesh-saga-lists-")), schema });
    const plan = (query: string) =>
      database.db
        .all<{ detail: string }>(sql.raw(`explain query plan ${query}`))
        .map((step) => step.detail)
        .join("; ");
    const listed = [
      plan("select * from sagas order by updated_at desc, order_id desc limit 20"),
      plan("select * from sagas where state = 'DONE' order by updated_at desc, order_id desc limit 20"),
      // a later page: the cursor's keyset condition is a range of the same index
      plan("select * from sagas where (updated_at, order_id) < (1, 'o') order by updated_at desc, order_id desc limit 21"),
      plan("select * from sagas where state = 'DONE' and (updated_at, order_id) < (1, 'o') order by updated_at desc, order_id desc limit 21"),
    ];
    for (const found of listed) {
      expect(found).toMatch(/USING INDEX sagas_(state_)?updated/);
      expect(found).not.toMatch(/TEMP B-TREE/);
    }
    expect(plan("select * from sagas where state != 'DONE'")).toMatch(/USING INDEX sagas_unfinished_due/);
    database.close();
  });
});
