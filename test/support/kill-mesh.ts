/**
 * What the relay-kill and consumer-kill tests share: a shop mesh of real Bun workers and a real
 * nats-server where orders or reporting can run with a kill preload (preload-*-kill.ts), a
 * customer and product with plenty of credit and stock, and read-only looks into a worker's
 * SQLite file and the marker a killed worker left.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { startMesh, type TestMesh, type WorkerName } from "./mesh";
import { startNats, tempDir, trpcMutation, type RunningNats, type RunningWorker } from "./processes";

const readyTimeoutMs = 60_000;

export interface KillSetup {
  env: Record<string, string>;
  bunArgs: string[];
}

export interface Shop {
  nats: RunningNats;
  mesh: TestMesh;
  customerId: string;
  productId: string;
  priceCents: number;
}

/** The env of a worker run with `preload`: the marker goes to a fresh directory. */
export function killSetup(preload: string, env: Record<string, string>): KillSetup & { marker: string; dir: string } {
  const dir = tempDir("kill");
  const marker = join(dir, "killed.json");
  return { dir, marker, env: { KILL_TEST_MARKER: marker, ...env }, bunArgs: ["--preload", `./test/support/${preload}`] };
}

async function call(worker: RunningWorker | undefined, path: string, input: unknown) {
  const res = await trpcMutation(worker!.url, path, input);
  if (res.status !== 200) throw new Error(`${worker?.name}.${path} answered ${res.status}: ${JSON.stringify(res.body.error)}`);
  return res.body.result.data;
}

/** nats-server and the shop's workers; `special` ones start last with their kill preload. */
export async function startShop(special: Partial<Record<"orders" | "reporting", KillSetup>>): Promise<Shop> {
  const nats = await startNats();
  const plain: WorkerName[] = ["users", "catalog", "inventory", "payments", "orders", "reporting"].filter((name) => !(name in special)) as WorkerName[];
  const mesh = await startMesh({ natsUrl: nats.url, workers: [], env: { SAGA_RETRY_BASE_MS: "100", SAGA_RETRY_MAX_MS: "400" } });
  // One at a time and given long to be ready: several Bun processes starting at once on a busy machine are slow.
  for (const name of plain) await mesh.start(name, {}, { readyTimeoutMs });
  for (const name of ["reporting", "orders"] as const) {
    const setup = special[name];
    if (setup) await mesh.start(name, setup.env, { bunArgs: setup.bunArgs, readyTimeoutMs });
  }
  const user = await call(mesh.workers.users, "register", { email: `kill-${Date.now()}@example.com`, name: "Kill Test" });
  await call(mesh.workers.payments, "setCreditLimit", { customerId: user.id, limitCents: 100_000_000 });
  const priceCents = 1250;
  const product = await call(mesh.workers.catalog, "create", { sku: `KILL-${Date.now()}`, name: "Kill test item", priceCents });
  await call(mesh.workers.inventory, "setStock", { productId: product.id, onHand: 100_000 });
  return { nats, mesh, customerId: user.id, productId: product.id, priceCents };
}

/** Places one order of `quantity` through orders' tRPC and returns it (CONFIRMED with this much stock and credit). */
export async function placeOrder(shop: Shop, quantity: number): Promise<{ id: string; status: string; totalCents: number }> {
  const placed = await call(shop.mesh.workers.orders, "place", { customerId: shop.customerId, items: [{ productId: shop.productId, quantity }] });
  return placed.order;
}

/** Rows of a read-only query on `<worker>.db` in the mesh's data dir (WAL: sees what is committed). */
export function query<T>(shop: Shop, worker: WorkerName, sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(shop.mesh.dataDir, `${worker}.db`), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** What the killed worker wrote before it died (preload-kill.ts). */
export function readMarker(marker: string): Record<string, unknown> & { pid: number; subject: string } {
  if (!existsSync(marker)) throw new Error(`no kill marker at ${marker}: the worker did not die at the chosen point`);
  return JSON.parse(readFileSync(marker, "utf8"));
}

/** The order.confirmed events orders wrote, by event id, and those of them not marked sent. */
export function confirmedInOutbox(shop: Shop): { eventIds: string[]; unsentIds: string[] } {
  const rows = query<{ event_id: string; sent_at: number | null }>(shop, "orders", `select event_id, sent_at from outbox where subject = 'orders.order.confirmed' order by seq`);
  return { eventIds: rows.map((row) => row.event_id), unsentIds: rows.filter((row) => row.sent_at === null).map((row) => row.event_id) };
}

/** reporting's view of the confirmed events: its inbox rows and its read models' counts for the shop's customer and product. */
export function reportingView(shop: Shop) {
  const inbox = query<{ event_id: string }>(shop, "reporting", `select event_id from inbox where consumer = 'reporting-orders' order by event_id`).map((row) => row.event_id);
  const customer = query<{ orders: number; spent_cents: number }>(shop, "reporting", "select orders, spent_cents from customer_stats where customer_id = ?", shop.customerId)[0];
  const product = query<{ units: number }>(shop, "reporting", "select units from sales_by_product where product_id = ?", shop.productId)[0];
  const days = query<{ orders: number | null }>(shop, "reporting", "select sum(orders) as orders from revenue_by_day")[0];
  return { inbox, customerOrders: customer?.orders ?? 0, spentCents: customer?.spent_cents ?? 0, units: product?.units ?? 0, dayOrders: days?.orders ?? 0 };
}
