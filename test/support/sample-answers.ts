/**
 * One answer per peer procedure the gateway calls, each valid against its owner's output schema
 * (typed by the contract, so a schema change that a sample no longer meets fails the typecheck):
 * what the fake peers of an in-process gateway answer (answering-peers.ts).
 */
import type { User } from "../../workers/users/contract";
import type { Product } from "../../workers/catalog/contract";
import type { Stock } from "../../workers/inventory/contract";
import type { Account } from "../../workers/payments/contract";
import type { Order, PlacedOrder, SagaView } from "../../workers/orders/contract";
import type { CustomerReport, SalesReport } from "../../workers/reporting/contract";

const at = "2026-01-01T00:00:00.000Z";

export const sampleUser: User = { id: "c1", email: "ann@example.com", name: "Ann", createdAt: at };

export const sampleProduct: Product = {
  id: "p1",
  sku: "SKU-1",
  name: "Lamp",
  description: null,
  priceCents: 100,
  attributes: { colour: "blue" },
  createdAt: at,
  updatedAt: at,
  inStock: true,
};

export const sampleStock: Stock = { productId: "p1", onHand: 3, reserved: 1, available: 2 };

export const sampleAccount: Account = { customerId: "c1", limitCents: 500, authorizedCents: 0, capturedCents: 100, availableCents: 400 };

export const sampleOrder: Order = {
  id: "o1",
  customerId: "c1",
  status: "CONFIRMED",
  lines: [{ productId: "p1", name: "Lamp", unitPriceCents: 100, quantity: 1 }],
  totalCents: 100,
  rejectionReason: null,
  correlationId: "corr-o1",
  createdAt: at,
  updatedAt: at,
};

export const sampleSaga: SagaView = {
  orderId: "o1",
  state: "DONE",
  step: null,
  compensations: [],
  rejectionReason: null,
  attempts: 1,
  lastError: null,
  deadlineAt: at,
  nextAttemptAt: at,
  createdAt: at,
  updatedAt: at,
};

const placed: PlacedOrder = { order: sampleOrder, completed: true };
const sales: SalesReport = {
  totals: { orders: 1, units: 1, revenueCents: 100 },
  products: { items: [{ productId: "p1", name: "Lamp", units: 1, revenueCents: 100 }], nextCursor: null },
  asOf: at,
};
const customerStats: CustomerReport = { customerId: "c1", orders: 1, spentCents: 100, firstOrderAt: at, lastOrderAt: at, cancelledOrders: 0, refundedCents: 0, asOf: at };

/** By `<peer>.<procedure>`. */
export const sampleAnswers: Record<string, unknown> = {
  "users.register": sampleUser,
  "users.get": sampleUser,
  "catalog.create": sampleProduct,
  "catalog.get": sampleProduct,
  "catalog.update": sampleProduct,
  "catalog.search": { items: [sampleProduct], nextCursor: null },
  "catalog.list": { items: [sampleProduct], nextCursor: null },
  "inventory.setStock": sampleStock,
  "inventory.get": sampleStock,
  "payments.setCreditLimit": sampleAccount,
  "payments.getAccount": sampleAccount,
  "orders.place": placed,
  "orders.get": sampleOrder,
  "orders.cancel": { ...sampleOrder, status: "CANCELLING" } satisfies Order,
  "orders.byCustomer": { items: [sampleOrder], nextCursor: null },
  "orders.sagas": { items: [sampleSaga], nextCursor: null },
  "reporting.sales": sales,
  "reporting.customer": customerStats,
};
