/**
 * catalog owns the products: sku is unique, attributes are free-form JSON, and `in_stock` is a
 * local read model fed from inventory's events (null until catalog has heard of the product).
 * The FTS5 search index (`products_fts`) and the triggers that keep it in step with every write to
 * products live in the custom migration `migrations/catalog/*_fts.sql`: drizzle-kit cannot
 * declare virtual tables.
 */
import { sql } from "drizzle-orm";
import { sqliteTable, text, integer, uniqueIndex, check } from "drizzle-orm/sqlite-core";
import { z } from "zod";
import { inboxTable, outboxTable } from "../../shared/events/tables";
import { idempotencyKeyInput, idempotencyKeysTable } from "../../shared/idempotency";

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

const maxAttributesJsonLength = 16_000;

export const productAttributesInput = z
  .record(z.string().min(1).max(64), z.json())
  .refine((value) => Object.keys(value).length <= 100, "at most 100 attributes")
  .refine((value) => JSON.stringify(value).length <= maxAttributesJsonLength, `at most ${maxAttributesJsonLength} characters of JSON`);

const productName = z.string().trim().min(1).max(200);
const productDescription = z.string().trim().max(4000).nullable();
const priceCents = z.number().int().min(0);

export const createProductInput = z.strictObject({
  sku: z.string().trim().min(1).max(64),
  name: productName,
  description: productDescription.optional(),
  priceCents,
  attributes: productAttributesInput.optional(),
  /** The caller's Idempotency-Key: a repeat answers with the product the first request made. */
  idempotencyKey: idempotencyKeyInput.optional(),
});
export type CreateProductInput = z.infer<typeof createProductInput>;

const productId = z.string().min(1).max(64);

/** Attributes given on update replace the whole attributes object; `description: null` clears it. */
export const updateProductInput = z
  .strictObject({
    id: productId,
    name: productName.optional(),
    description: productDescription.optional(),
    priceCents: priceCents.optional(),
    attributes: productAttributesInput.optional(),
  })
  .refine(
    (input) => [input.name, input.description, input.priceCents, input.attributes].some((field) => field !== undefined),
    "give at least one of name, description, priceCents, attributes",
  );
export type UpdateProductInput = z.infer<typeof updateProductInput>;

export const searchProductsInput = z.strictObject({
  q: z.string().min(1).max(200),
  limit: z.number().int().min(1).max(100).default(20),
});
export type SearchProductsInput = z.infer<typeof searchProductsInput>;

/** The Idempotency-Keys of keyed product creations. */
export const idempotencyKeys = idempotencyKeysTable();

/** Events waiting for the relay; written in the same transaction as the change. */
export const outbox = outboxTable();

/** Inventory events already applied to `in_stock`, so a redelivery changes nothing. */
export const inbox = inboxTable();
