/**
 * catalog owns the products: sku is unique, attributes are free-form JSON, and `in_stock` is a
 * local read model fed from inventory's events (null until catalog has heard of the product).
 * The FTS5 search index (`products_fts`) and the triggers that keep it in step with every write to
 * products live in the custom migration `migrations/catalog/*_fts.sql`: drizzle-kit cannot
 * declare virtual tables.
 */
import { sql } from "drizzle-orm";
import { sqliteTable, text, integer, uniqueIndex, check } from "drizzle-orm/sqlite-core";
import { consumerPositionsTable, inboxTable, outboxTable } from "../../shared/events/tables";
import { idempotencyKeysTable } from "../../shared/db/idempotency";

export type ProductAttributes = Record<string, unknown>;

export const products = sqliteTable(
  "products",
  {
    id: text("id").primaryKey(),
    sku: text("sku").notNull(),
    name: text("name").notNull(),
    description: text("description"),
    priceCents: integer("price_cents").notNull(),
    attributes: text("attributes", { mode: "json" }).$type<ProductAttributes>().notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    /** Whether inventory has any available; null = not heard from inventory yet. */
    inStock: integer("in_stock", { mode: "boolean" }),
    /** The version of the inventory level in_stock was last set from; null = none with a version yet. */
    stockVersion: integer("stock_version"),
  },
  (table) => [
    uniqueIndex("products_sku_unique").on(table.sku),
    // Last line of defence under the zod inputs, for any other write path.
    check("products_price_cents_not_negative", sql`${table.priceCents} >= 0`),
    check("products_attributes_object", sql`json_valid(${table.attributes}) AND json_type(${table.attributes}) = 'object'`),
  ],
);

export type ProductRow = typeof products.$inferSelect;

/** The inputs of product writes and searches are part of catalog's call contract (contract.ts). */
export type { CreateProductInput, SearchProductsInput, UpdateProductInput } from "./contract";

/** The Idempotency-Keys of keyed product creations. */
export const idempotencyKeys = idempotencyKeysTable();

/** Events waiting for the relay; written in the same transaction as the change. */
export const outbox = outboxTable();

/** Inventory events already applied to `in_stock`, so a redelivery changes nothing. */
export const inbox = inboxTable();

/** How far `in_stock` has applied inventory's stream (the kit writes it with each event): its position and lag. */
export const consumerPositions = consumerPositionsTable();
