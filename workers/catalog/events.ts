/** The events catalog publishes: its public async contract (imports only shared/ and zod). */
import { z } from "zod";
import { defineEvent } from "../../shared/events/envelope";

const cents = z.number().int().min(0);

export const productCreated = defineEvent("catalog.product.created", z.object({ productId: z.string(), sku: z.string(), name: z.string(), priceCents: cents }));

/** Any change to a product; `previousPriceCents` lets consumers see a price change without state. */
export const productUpdated = defineEvent("catalog.product.updated", z.object({ productId: z.string(), name: z.string(), priceCents: cents, previousPriceCents: cents }));

export const catalogEvents = [productCreated, productUpdated] as const;
