/** The inputs and answers of reporting's procedures that the gateway forwards: its public call contract (imports only shared/ and zod). */
import { z } from "zod";
import type { Placement } from "../../shared/core/placement";
import { pageInput, pageOutput } from "../../shared/db/paging";

/**
 * Where reporting sits in the mesh: its port is MESH_PORT_BASE + portOffset (peers default to it), and the
 * streams it consumes, with its durable on each (its NATS user may read only those).
 */
export const placement = { portOffset: 6, consumes: ["orders"] } as const satisfies Placement;

export const customerReportInput = z.strictObject({ customerId: z.string().min(1).max(64) });

const count = z.number().int().min(0);
/** Time of the latest event the read model applied; null before any: the report may lag the orders by that much. */
const asOf = z.iso.datetime().nullable().describe("Time of the latest event the read model applied; null before any");

/** The sales report's page of products (its totals are always whole). */
export const salesReportInput = z.strictObject({ ...pageInput });

/** Sales of CONFIRMED orders: the totals, and a page of the products best-selling first. */
export const salesReportOutput = z.strictObject({
  totals: z.strictObject({ orders: count, units: count, revenueCents: count }),
  products: pageOutput(z.strictObject({ productId: z.string(), name: z.string(), units: count, revenueCents: count })),
  asOf,
});

/** Revenue per UTC day, newest day first, a page at a time. */
export const revenueByDayInput = z.strictObject({ ...pageInput });
export type SalesReport = z.infer<typeof salesReportOutput>;

/** A customer's stats: zeros for a customer with no confirmed order yet (reporting may lag). */
export const customerReportOutput = z.strictObject({
  customerId: z.string(),
  orders: count,
  spentCents: count,
  firstOrderAt: z.iso.datetime().nullable(),
  lastOrderAt: z.iso.datetime().nullable(),
  /** Of `orders`, those cancelled since, and the refunds they got. */
  cancelledOrders: count,
  refundedCents: count,
  asOf,
});
export type CustomerReport = z.infer<typeof customerReportOutput>;
