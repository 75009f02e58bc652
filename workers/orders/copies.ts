/**
 * orders' copies of the customers and products placing checks (data duplication by design):
 * written by the consumers of users' and catalog's events (consumers.ts), and by placing itself
 * from a peer's answer for an id not copied yet (service.ts). A product row shows one change of
 * catalog's, stamped with that change's time (and the event's stream sequence): a write with an
 * older change never overrides it, so a late peer answer or a redelivered event cannot bring an
 * old price back. The copies are as fresh as the consumers are (their lag: /health/ready).
 *
 * @example
 *   const { customer, products } = readCopies(db, "c1", ["p1", "p2"]); // customer: true, products: Map p1 → { name, priceCents }
 *   copyProduct(tx, { id: "p1", name: "Mug", priceCents: 1250, changedAt: Date.parse(event.occurredAt), sequence: 42 });
 */
import { eq, sql } from "drizzle-orm";
import type { WorkerDb, WorkerTx } from "../../shared/db/db";
import { preparedQuery } from "../../shared/db/prepared";
import { customerCopies, productCopies } from "./schema";

type Handle = WorkerDb<any> | WorkerTx<any>;
const p = sql.placeholder;

export interface CopiedProduct {
  name: string;
  priceCents: number;
}

export interface ProductCopy extends CopiedProduct {
  id: string;
  /** ms since the epoch of the catalog change this row shows. */
  changedAt: number;
  /** The event's CATALOG stream sequence; null from a peer's answer. */
  sequence: number | null;
}

export interface CustomerCopy {
  id: string;
  /** The event's USERS stream sequence; null from a peer's answer. */
  sequence: number | null;
}

function readQueries(db: Handle) {
  return preparedQuery(db, productCopies, "readCopies", () => ({
    customer: db
      .select({ id: customerCopies.id })
      .from(customerCopies)
      .where(eq(customerCopies.id, p("id")))
      .prepare(),
    products: db
      .select({ id: productCopies.id, name: productCopies.name, priceCents: productCopies.priceCents })
      .from(productCopies)
      .where(sql`${productCopies.id} in (select value from json_each(${p("ids")}))`)
      .prepare(),
  }));
}

/** Whether the customer is copied, and the copied products among `productIds` (primary-key lookups). */
export function readCopies(db: Handle, customerId: string, productIds: readonly string[]): { customer: boolean; products: Map<string, CopiedProduct> } {
  const queries = readQueries(db);
  const customer = queries.customer.get({ id: customerId }) !== undefined;
  const rows = queries.products.all({ ids: JSON.stringify(productIds) });
  return { customer, products: new Map(rows.map((row) => [row.id, { name: row.name, priceCents: row.priceCents }])) };
}

function writeQueries(tx: Handle) {
  return preparedQuery(tx, productCopies, "writeCopies", () => ({
    customer: tx
      .insert(customerCopies)
      .values({ id: p("id"), sequence: p("sequence") })
      .onConflictDoNothing()
      .prepare(),
    // Newer change wins; at the same time, an event over a peer's answer or over an earlier event of the stream.
    product: tx
      .insert(productCopies)
      .values({ id: p("id"), name: p("name"), priceCents: p("priceCents"), changedAt: p("changedAt"), sequence: p("sequence") })
      .onConflictDoUpdate({
        target: productCopies.id,
        set: { name: sql`excluded.name`, priceCents: sql`excluded.price_cents`, changedAt: sql`excluded.changed_at`, sequence: sql`excluded.sequence` },
        setWhere: sql`excluded.changed_at > ${productCopies.changedAt} or (excluded.changed_at = ${productCopies.changedAt} and excluded.sequence is not null and (${productCopies.sequence} is null or excluded.sequence > ${productCopies.sequence}))`,
      })
      .prepare(),
  }));
}

/** Copies a customer (once: users publishes no later change placing needs). */
export function copyCustomer(tx: Handle, customer: CustomerCopy): void {
  writeQueries(tx).customer.run({ ...customer });
}

/** Copies a product's name and price unless the copy already shows a later change. */
export function copyProduct(tx: Handle, product: ProductCopy): void {
  writeQueries(tx).product.run({ ...product });
}

/** The time of the change a peer's answer shows (its updatedAt); 0 when it names none, so that any event overrides the row. */
export function changeTimeOf(updatedAt: string | undefined): number {
  const at = updatedAt === undefined ? Number.NaN : Date.parse(updatedAt);
  return Number.isFinite(at) ? at : 0;
}

/** What a peer answered for ids not copied yet, written in one transaction (a later event still overrides it). */
export function rememberAnswers(db: WorkerDb<any>, answers: { customer?: CustomerCopy; products: ProductCopy[] }): void {
  if (!answers.customer && answers.products.length === 0) return;
  db.transaction(
    (tx) => {
      if (answers.customer) copyCustomer(tx, answers.customer);
      for (const product of answers.products) copyProduct(tx, product);
    },
    { behavior: "immediate" },
  );
}
