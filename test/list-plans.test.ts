/**
 * Every paged list's SQL is served by an index in its order: each statement the lists run (first
 * page and a later one, with and without their filters) is recorded (test/support/sql-plans.ts)
 * and planned on its migrated database: every table read is an index or primary-key search or an
 * index walk in the list's order (bounded by LIMIT), never a scan of a table nor a sort of it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import Database from "better-sqlite3";
import { openWorkerDatabase } from "../shared/db/db";
import { encodeCursor } from "../shared/db/paging";
import * as ordersSchema from "../workers/orders/schema";
import * as paymentsSchema from "../workers/payments/schema";
import * as inventorySchema from "../workers/inventory/schema";
import { createOrdersStore, listSagas, ordersOfCustomer } from "../workers/orders/store";
import { listPayments } from "../workers/payments/service";
import { listReservations } from "../workers/inventory/service";
import * as usersSchema from "../workers/users/schema";
import { listUsers } from "../workers/users/service";
import * as catalogSchema from "../workers/catalog/schema";
import { listProducts } from "../workers/catalog/service";
import { searchProducts } from "../workers/catalog/search";
import * as reportingSchema from "../workers/reporting/schema";
import { dailyRevenue, salesReport } from "../workers/reporting/service";
import { drawPlan, installStatementRecorder, queryPlanOf, type StatementRecorder } from "./support/sql-plans";
import { tempDir } from "./support/processes";

/** What is wrong with a list statement's plan: a table read without an index, or a sort. */
function listPlanProblems(plan: { detail: string }[]): string[] {
  return plan.flatMap(({ detail }) => {
    if (/TEMP B-TREE/.test(detail)) return [`sorts: ${detail}`];
    const read = /^(SCAN|SEARCH) (\S+)/.exec(detail);
    if (!read || read[2] === "json_each" || read[2] === "CONSTANT") return [];
    return /USING (COVERING )?INDEX|USING (INTEGER )?PRIMARY KEY/.test(detail) ? [] : [`reads the table without an index: ${detail}`];
  });
}

describe("every paged list is index-served in its order", () => {
  let dataDir: string;
  let recorder: StatementRecorder;

  beforeAll(() => {
    dataDir = tempDir("list-plans");
    recorder = installStatementRecorder();
  });
  afterAll(() => {
    recorder?.uninstall();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function plansOf<S extends Record<string, unknown>>(worker: string, schema: S, lists: (db: Awaited<ReturnType<typeof openWorkerDatabase<S>>>["db"]) => void) {
    const database = await openWorkerDatabase({ worker, dataDir, schema });
    recorder.start();
    lists(database.db);
    recorder.stop();
    const file = [...recorder.texts().keys()].find((name) => name.endsWith(`${worker}.db`))!;
    const texts = [...recorder.texts().get(file)!];
    const reader = new Database(file, { readonly: true });
    const planned = texts.map((text) => ({ text, plan: queryPlanOf(reader, text) }));
    reader.close();
    database.close();
    return planned;
  }

  function expectIndexServed(planned: { text: string; plan: { id: number; parent: number; detail: string }[] }[], count: number) {
    expect(planned.length).toBeGreaterThanOrEqual(count);
    for (const { text, plan } of planned) expect(listPlanProblems(plan), `${text}\n${drawPlan(plan)}`).toEqual([]);
  }

  it("orders: a customer's orders with the page's lines, and the sagas with and without a state", async () => {
    const planned = await plansOf("orders", ordersSchema, (db) => {
      const store = createOrdersStore(db);
      // An order with a line, so the page's lines are read.
      const at = new Date().toISOString();
      db.insert(ordersSchema.orders).values({ id: "o1", customerId: "c1", status: "CONFIRMED", totalCents: 1, correlationId: "k", createdAt: at, updatedAt: at }).run();
      db.insert(ordersSchema.orderLines).values({ orderId: "o1", lineNo: 0, productId: "p1", name: "P", unitPriceCents: 1, quantity: 1 }).run();
      ordersOfCustomer(store, { customerId: "c1", limit: 20 });
      ordersOfCustomer(store, { customerId: "c1", limit: 20, cursor: encodeCursor(["o2"]) });
      listSagas(store, { limit: 20 });
      listSagas(store, { limit: 20, cursor: encodeCursor([1, "o1"]) });
      listSagas(store, { status: "NEEDS_ATTENTION", limit: 20, cursor: encodeCursor([1, "o1"]) });
    });
    expectIndexServed(planned, 5);
  });

  it("payments: by customer, by order and all, first page and later", async () => {
    const planned = await plansOf("payments", paymentsSchema, (db) => {
      const cursor = encodeCursor(["2026-01-01T00:00:00.000Z", "o1"]);
      listPayments(db, { customerId: "c1", limit: 20 });
      listPayments(db, { customerId: "c1", limit: 20, cursor });
      listPayments(db, { orderId: "o1", limit: 20 });
      listPayments(db, { limit: 20, cursor });
    });
    expectIndexServed(planned, 4);
  });

  it("inventory: reservations by order and all, with their page's lines", async () => {
    const planned = await plansOf("inventory", inventorySchema, (db) => {
      const cursor = encodeCursor(["2026-01-01T00:00:00.000Z", "o1"]);
      listReservations(db, { orderId: "o1", limit: 20 });
      listReservations(db, { limit: 20, cursor });
    });
    expectIndexServed(planned, 3);
  });

  it("users: the users list, first page and later", async () => {
    const planned = await plansOf("users", usersSchema, (db) => {
      listUsers(db, { limit: 20 });
      listUsers(db, { limit: 20, cursor: encodeCursor(["u1"]) });
    });
    expectIndexServed(planned, 2);
  });

  it("catalog: the products newest first, first page and later", async () => {
    const planned = await plansOf("catalog", catalogSchema, (db) => {
      listProducts(db, { limit: 20 });
      listProducts(db, { limit: 20, cursor: encodeCursor(["p1"]) });
    });
    expectIndexServed(planned, 2);
  });

  it("catalog: search's matches from the FTS index (a one-letter last word too), first page and later, and their rows by primary key", async () => {
    const planned = await plansOf("catalog", catalogSchema, (db) => {
      const at = new Date().toISOString();
      db.insert(catalogSchema.products).values({ id: "p1", sku: "S-1", name: "Red lamp", priceCents: 1, attributes: {}, createdAt: at, updatedAt: at }).run();
      searchProducts(db, { q: "red l", limit: 20 });
      searchProducts(db, { q: "red l", limit: 20, cursor: encodeCursor([-1.5, "p0"]) });
    });
    // bm25 is per query, so no index holds its order: the matches come from the FTS index (MATCH), and the
    // one sort is of those matches (rank, id), never of a table.
    const ranked = planned.filter(({ text }) => /MATCH/.test(text));
    expect(ranked).toHaveLength(2);
    for (const { text, plan } of ranked) {
      expect(plan.map((step) => step.detail).join("\n"), text).toMatch(/^SCAN products_fts VIRTUAL TABLE INDEX \d+:M/);
      const beyondMatch = plan.filter(({ detail }) => !/^SCAN products_fts VIRTUAL TABLE INDEX \d+:M|^USE TEMP B-TREE FOR ORDER BY$/.test(detail));
      expect(listPlanProblems(beyondMatch), `${text}\n${drawPlan(plan)}`).toEqual([]);
    }
    expectIndexServed(
      planned.filter(({ text }) => !/MATCH/.test(text)),
      1,
    );
  });

  it("reporting: the sales report's products best sellers first and the days newest first, first page and later", async () => {
    const planned = await plansOf("reporting", reportingSchema, (db) => {
      salesReport(db, { limit: 20 });
      salesReport(db, { limit: 20, cursor: encodeCursor([100, "p1"]) });
      dailyRevenue(db, { limit: 20 });
      dailyRevenue(db, { limit: 20, cursor: encodeCursor(["2026-01-01"]) });
    });
    // The lists' statements (the report's asOf, a max over the few streams' positions, is no list).
    expectIndexServed(
      planned.filter(({ text }) => /from "(sales_by_product|revenue_by_day)"/.test(text)),
      4,
    );
  });
});
