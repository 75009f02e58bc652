/**
 * The fault suite's shop. "Ample" customers and products have so much credit and stock that they
 * can never be why an order fails; "scarce" ones run out early, so payment_declined and
 * insufficient_stock happen for real. An order of an ample customer for ample products only was
 * allowed by stock and credit: if it ends REJECTED peer_unavailable, faults alone did it.
 */
import { untilAnswered, type GatewayCall } from "./gateway";

export interface ShopOrder {
  customerId: string;
  items: { productId: string; quantity: number }[];
}

export interface FaultShop {
  ampleCustomers: string[];
  scarceCustomers: string[];
  ampleProducts: string[];
  scarceProducts: string[];
  /** A random order; most use only ample customers and products (as in a shop), some scarce ones. */
  randomOrder(): ShopOrder;
  /** Whether stock and credit alone could never refuse this customer's order of these products. */
  isAmple(customerId: string, productIds: string[]): boolean;
}

const ampleCreditCents = 100_000_000; // 2,000 orders of at most ~1,800 cents each use under 4%
const ampleStock = 1_000_000;
/**
 * Scarce credit and stock scale with the run so they run out early in it: a scarce customer places
 * ~10% of the orders (~600 cents each), a scarce product is in ~16% of them (~2 units per line).
 */
const scarceCreditCents = (orders: number) => Math.max(2_000, orders * 10);
const scarceStock = (orders: number) => Math.max(10, Math.round(orders * 0.05));
/** The chance that a pick (the customer, each product) is ample. */
const ampleShare = 0.8;

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

async function registerCustomer(gateway: GatewayCall, n: number, limitCents: number): Promise<string> {
  const user = await untilAnswered(() => gateway("POST", "/api/users", { email: `fault-${n}@example.com`, name: `Fault ${n}` }), "register");
  await untilAnswered(() => gateway("PUT", `/api/customers/${user.body.id}/credit`, { limitCents }), "credit");
  return user.body.id;
}

async function createProduct(gateway: GatewayCall, n: number, onHand: number): Promise<string> {
  const product = await untilAnswered(() => gateway("POST", "/api/products", { sku: `FAULT-${n}`, name: `Fault item ${n}`, priceCents: 100 + n * 37 }), "product");
  await untilAnswered(() => gateway("PUT", `/api/inventory/${product.body.id}`, { onHand }), "stock");
  return product.body.id;
}

/** The shop for a run of about `orders` orders. */
export async function setUpShop(gateway: GatewayCall, orders: number): Promise<FaultShop> {
  const scarceCustomers = [await registerCustomer(gateway, 0, scarceCreditCents(orders)), await registerCustomer(gateway, 1, scarceCreditCents(orders))];
  const ampleCustomers: string[] = [];
  for (let n = 2; n < 5; n++) ampleCustomers.push(await registerCustomer(gateway, n, ampleCreditCents));
  const scarceProducts = [await createProduct(gateway, 0, scarceStock(orders)), await createProduct(gateway, 1, scarceStock(orders))];
  const ampleProducts: string[] = [];
  for (let n = 2; n < 6; n++) ampleProducts.push(await createProduct(gateway, n, ampleStock));
  const ample = { customers: new Set(ampleCustomers), products: new Set(ampleProducts) };
  const either = <T>(ampleOnes: T[], scarceOnes: T[]) => pick(Math.random() < ampleShare ? ampleOnes : scarceOnes);
  return {
    ampleCustomers,
    scarceCustomers,
    ampleProducts,
    scarceProducts,
    randomOrder: () => {
      const productIds = [...new Set([either(ampleProducts, scarceProducts), either(ampleProducts, scarceProducts)])];
      return { customerId: either(ampleCustomers, scarceCustomers), items: productIds.map((productId) => ({ productId, quantity: 1 + Math.floor(Math.random() * 3) })) };
    },
    isAmple: (customerId, productIds) => ample.customers.has(customerId) && productIds.every((productId) => ample.products.has(productId)),
  };
}
