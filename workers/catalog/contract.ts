/** The inputs and answers of catalog's procedures that the gateway forwards: its public call contract (imports only shared/ and zod). */
import { z } from "zod";
import { idempotencyKeyInput } from "../../shared/db/idempotency";
import { pageInput, pageOutput } from "../../shared/db/paging";
import type { Placement } from "../../shared/core/placement";

/**
 * Where catalog sits in the mesh: its port is MESH_PORT_BASE + portOffset (peers default to it), and the
 * streams it consumes, with its durable on each (its NATS user may read only those).
 */
export const placement = { portOffset: 2, consumes: [{ owner: "inventory", durable: "catalog-stock" }] } as const satisfies Placement;

const productId = z.string().min(1).max(64);
const maxAttributesJsonLength = 16_000;
const maxAttributeDepth = 16;

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Whether `value` is plain JSON nested at most `maxDepth` levels. Walked with a stack, not by
 * recursion: zod's z.json() recurses, so a body nested 30,000 levels ran it out of stack (a 500).
 */
function isShallowJson(value: unknown, maxDepth: number): value is JsonValue {
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [item, depth] = pending.pop()!;
    if (item === null || typeof item === "string" || typeof item === "boolean") continue;
    if (typeof item === "number") {
      if (!Number.isFinite(item)) return false;
      continue;
    }
    const isContainer = Array.isArray(item) || (typeof item === "object" && Object.getPrototypeOf(item) === Object.prototype);
    if (!isContainer || depth >= maxDepth) return false;
    for (const child of Object.values(item as object)) pending.push([child, depth + 1]);
  }
  return true;
}

const attributeValue = z.custom<JsonValue>((value) => isShallowJson(value, maxAttributeDepth), `an attribute is a JSON value nested at most ${maxAttributeDepth} levels`);

export const productAttributesInput = z
  .record(z.string().min(1).max(64), attributeValue)
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

/** `q` is trimmed: a query of blanks only is refused rather than matching nothing. */
export const searchProductsInput = z.strictObject({
  q: z.string().trim().min(1).max(200),
  ...pageInput,
});
export type SearchProductsInput = z.infer<typeof searchProductsInput>;

/** The catalog newest first (descending id: ids are time-ordered), paged by the kit. */
export const listProductsInput = z.strictObject({ ...pageInput });

export const getProductInput = z.strictObject({ id: productId });

/** A product as catalog answers it (create, get, update, search, list). */
export const productOutput = z.strictObject({
  id: z.string(),
  sku: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  priceCents: z.number().int().min(0),
  attributes: z.record(z.string(), z.unknown()).describe("Free-form JSON attributes, as given on create or update"),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  inStock: z.boolean().nullable().describe("Whether inventory has any available; null until catalog has heard from inventory about this product"),
});
export type Product = z.infer<typeof productOutput>;

/** A page of the matches, best match first (search): keyset on (bm25 rank, id), exact while the catalog is unchanged. */
export const productsOutput = pageOutput(productOutput).describe("A page of the matches, best first (bm25 rank, then id); the cursor holds the last match's rank and id");

/** One page of the catalog, newest first. */
export const productPageOutput = pageOutput(productOutput);
