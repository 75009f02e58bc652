/**
 * The soak's load: an even open loop (request i sent at t0 + i/rate, whatever the answers) cycling
 * through four orders, a read of an order by id, a cancellation of a confirmed order, a product
 * read and a page of a customer's orders. Orders' latencies are counted from their scheduled time
 * (no coordinated omission) and handed out per interval.
 */
import type { Shop } from "./seed";

export interface LoadCounts {
  orders: number;
  confirmed: number;
  failed: number;
  requests: number;
}

export interface SoakLoad {
  /** Orders' latencies (ms) since the last call, and the counts so far. */
  takeInterval(): { latenciesMs: number[]; counts: LoadCounts };
  stop(): Promise<void>;
}

const cycle = ["order", "order", "readOrder", "order", "cancel", "order", "product", "listPage"] as const;

type Kind = (typeof cycle)[number];

/** The `i`-th request of the cycle, or null when it has nothing to act on yet (no confirmed order). */
function request(gatewayUrl: string, shop: Shop, i: number, confirmed: string[], kind: Kind): Promise<Response> | null {
  const pick = <T>(list: T[]) => list[i % list.length]!;
  const json = { "content-type": "application/json" };
  if (kind === "order")
    return fetch(`${gatewayUrl}/api/orders`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ customerId: pick(shop.customerIds), items: [{ productId: pick(shop.productIds), quantity: 1 }] }),
    });
  if (kind === "readOrder") return confirmed.length ? fetch(`${gatewayUrl}/api/orders/${confirmed[confirmed.length - 1]}`) : null;
  if (kind === "cancel") {
    const id = confirmed.pop();
    return id ? fetch(`${gatewayUrl}/api/orders/${id}/cancel`, { method: "POST", headers: json, body: "{}" }) : null;
  }
  if (kind === "product") return fetch(`${gatewayUrl}/api/products/${pick(shop.productIds)}`);
  return fetch(`${gatewayUrl}/api/customers/${pick(shop.customerIds)}/orders?limit=20`);
}

export function startLoad(gatewayUrl: string, shop: Shop, rate: number): SoakLoad {
  const counts: LoadCounts = { orders: 0, confirmed: 0, failed: 0, requests: 0 };
  let latencies: number[] = [];
  const confirmed: string[] = [];
  const inFlight = new Set<Promise<void>>();
  const t0 = performance.now();
  let i = 0;
  let stopped = false;
  const send = async (kind: Kind, scheduled: number) => {
    const res = await request(gatewayUrl, shop, i, confirmed, kind);
    counts.requests++;
    if (!res) return;
    if (kind === "order") {
      counts.orders++;
      latencies.push(performance.now() - scheduled);
      const body = res.ok ? ((await res.json()) as { id: string; status: string }) : null;
      if (body?.status === "CONFIRMED") {
        counts.confirmed++;
        confirmed.push(body.id);
        if (confirmed.length > 1000) confirmed.splice(0, 500);
      } else if (!res.ok) counts.failed++;
    } else await res.arrayBuffer();
  };
  const tick = () => {
    if (stopped) return;
    const now = performance.now();
    while (t0 + (i * 1000) / rate <= now) {
      const scheduled = t0 + (i * 1000) / rate;
      const kind = cycle[i % cycle.length]!;
      const sent = send(kind, scheduled).catch(() => void (kind === "order" && counts.failed++));
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent));
      i++;
    }
    setTimeout(tick, Math.max(0, t0 + (i * 1000) / rate - performance.now()));
  };
  tick();
  return {
    takeInterval: () => {
      const taken = latencies;
      latencies = [];
      return { latenciesMs: taken, counts: { ...counts } };
    },
    stop: async () => {
      stopped = true;
      await Promise.allSettled([...inFlight]);
    },
  };
}
