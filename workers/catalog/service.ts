/** catalog's domain logic: create, change, look up, list and search products. Functions of (db, input). */
import type { z } from "zod";
import { eq, desc } from "drizzle-orm";
import { DomainError } from "../../shared/core/errors";
import { newId } from "../../shared/core/ids";
import type { WorkerDb, WorkerTx } from "../../shared/db/db";
import { enqueueEvent } from "../../shared/events/enqueue";
import { keyedWrite, rememberKey, resourceOfKey } from "../../shared/db/idempotency";
import { cursorOf, keysetBefore, pageOf } from "../../shared/db/paging";
import { idempotencyKeys, outbox, products, type CreateProductInput, type ProductRow, type UpdateProductInput } from "./schema";
import { productCreated, productUpdated } from "./events";
import * as schema from "./schema";

import type { Product, productPageOutput } from "./contract";
import type { CatalogDb } from "./deps";
import type { CatalogQueries } from "./queries";
export type { CatalogDb };

export type { Product };
type ProductPage = z.infer<typeof productPageOutput>;

export function toProduct(row: ProductRow): Product {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    priceCents: row.priceCents,
    attributes: row.attributes,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    inStock: row.inStock,
  };
}

/**
 * Creates a product. With an Idempotency-Key, a repeat of the same request answers with the
 * product the first one made (as it is now) and writes nothing; the key sent with another request is refused.
 */
export function createProduct(db: CatalogDb, input: CreateProductInput, now: Date): Product {
  const { idempotencyKey, ...request } = input;
  // Defaults filled in, so leaving out a field and sending its default are the same request.
  const keyed = keyedWrite(idempotencyKey, { ...request, description: request.description ?? null, attributes: request.attributes ?? {} }, "product");
  return db.transaction(
    (tx) => {
      // Before the sku check: a retried creation would otherwise find its own sku taken.
      const earlier = keyed && resourceOfKey(tx, idempotencyKeys, keyed);
      if (earlier) return productInTx(tx, earlier);
      const taken = tx.select({ id: products.id }).from(products).where(eq(products.sku, input.sku)).get();
      if (taken) throw new DomainError("CONFLICT", `sku ${input.sku} is already used by product ${taken.id}`, { field: "sku", productId: taken.id });
      const at = now.toISOString();
      const row: ProductRow = {
        id: newId(),
        sku: input.sku,
        name: input.name,
        description: input.description ?? null,
        priceCents: input.priceCents,
        attributes: input.attributes ?? {},
        createdAt: at,
        updatedAt: at,
        inStock: null,
        stockVersion: null,
      };
      tx.insert(products).values(row).run();
      if (keyed) rememberKey(tx, idempotencyKeys, keyed, row.id, now);
      enqueueEvent(tx, outbox, productCreated, { productId: row.id, sku: row.sku, name: row.name, priceCents: row.priceCents }, { aggregateId: row.id, now });
      return toProduct(row);
    },
    { behavior: "immediate" },
  );
}

function productInTx(tx: WorkerTx<typeof schema>, id: string): Product {
  const row = tx.select().from(products).where(eq(products.id, id)).get();
  if (!row) throw new DomainError("NOT_FOUND", `product ${id} not found`, { id });
  return toProduct(row);
}

/** Changes the given fields; an update that changes nothing writes nothing and publishes nothing. */
export function updateProduct(db: CatalogDb, input: UpdateProductInput, now: Date): Product {
  return db.transaction(
    (tx) => {
      const current = tx.select().from(products).where(eq(products.id, input.id)).get();
      if (!current) throw new DomainError("NOT_FOUND", `product ${input.id} not found`, { id: input.id });
      const next: ProductRow = {
        ...current,
        name: input.name ?? current.name,
        description: input.description === undefined ? current.description : input.description,
        priceCents: input.priceCents ?? current.priceCents,
        attributes: input.attributes ?? current.attributes,
      };
      const changed =
        next.name !== current.name ||
        next.description !== current.description ||
        next.priceCents !== current.priceCents ||
        JSON.stringify(next.attributes) !== JSON.stringify(current.attributes);
      if (!changed) return toProduct(current);
      next.updatedAt = now.toISOString();
      tx.update(products)
        .set({ name: next.name, description: next.description, priceCents: next.priceCents, attributes: next.attributes, updatedAt: next.updatedAt })
        .where(eq(products.id, current.id))
        .run();
      enqueueEvent(
        tx,
        outbox,
        productUpdated,
        { productId: current.id, name: next.name, priceCents: next.priceCents, previousPriceCents: current.priceCents },
        { aggregateId: current.id, now },
      );
      return toProduct(next);
    },
    { behavior: "immediate" },
  );
}

/** The hottest read of the mesh, through the worker's prepared query (queries.ts). */
export function getProduct(queries: CatalogQueries, id: string): Product {
  const row = queries.productById.get({ id });
  if (!row) throw new DomainError("NOT_FOUND", `product ${id} not found`, { id });
  return toProduct(row);
}

/** One call for a batch: the products found, in the order asked, and the ids that were not. */
export function getProducts(queries: CatalogQueries, ids: string[]): { products: Product[]; missing: string[] } {
  const wanted = [...new Set(ids)];
  const rows = queries.productsByIds.all({ ids: JSON.stringify(wanted) });
  const byId = new Map(rows.map((row) => [row.id, row]));
  const found: Product[] = [];
  const missing: string[] = [];
  for (const id of wanted) {
    const row = byId.get(id);
    if (row) found.push(toProduct(row));
    else missing.push(id);
  }
  return { products: found, missing };
}

/** Pages through products newest first (descending id: ids are time-ordered), keyset on the primary key. */
export function listProducts(db: CatalogDb, page: { limit: number; cursor?: string | undefined }): ProductPage {
  const rows = db
    .select()
    .from(products)
    .where(keysetBefore([products.id], cursorOf(page.cursor)))
    .orderBy(desc(products.id))
    .limit(page.limit + 1)
    .all();
  return pageOf(rows, page.limit, (row) => [row.id], toProduct);
}
