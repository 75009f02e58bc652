/**
 * The fault suite's customers: concurrent clients placing orders through the gateway, each order
 * retried through outages with the same Idempotency-Key and body, as a real client would; a share
 * of the CONFIRMED ones cancelled at once, retried the same way.
 */
import { randomUUID } from "node:crypto";
import { untilAnswered, type GatewayCall } from "./gateway";
import type { FaultShop } from "./shop";

/** The share of CONFIRMED orders a client cancels right away (the choreographed saga under the same faults). */
const cancelShare = 0.15;

export interface Load {
  /** Order ids the gateway acknowledged (201 or 202). */
  acknowledged: Set<string>;
  /** Order ids whose cancellation the gateway accepted (202). */
  cancelled: Set<string>;
  answers: { created: number; accepted: number; refused: number; retries: number };
  /** 4xx answers by status, code and message. */
  refusals: Map<string, number>;
  /** Runs `clients` clients until `keepGoing()` says stop. */
  run(clients: number, keepGoing: () => boolean): Promise<void>;
}

export function createLoad(gateway: GatewayCall, shop: FaultShop): Load {
  const acknowledged = new Set<string>();
  const cancelled = new Set<string>();
  const answers = { created: 0, accepted: 0, refused: 0, retries: 0 };
  const refusals = new Map<string, number>();

  /** Cancels a CONFIRMED order, retried through outages with one key (a repeat answers the same 202). */
  const cancelOne = async (orderId: string) => {
    const key = randomUUID();
    const result = await untilAnswered(() => gateway("POST", `/api/orders/${orderId}/cancel`, undefined, { "idempotency-key": key }), `cancel ${orderId}`);
    if (result.status === 202) return void cancelled.add(orderId);
    const why = `cancel: ${result.status} ${result.body?.error?.code ?? ""} ${String(result.body?.error?.message ?? "").replace(/[0-9a-f-]{36}/g, "<id>")}`;
    refusals.set(why, (refusals.get(why) ?? 0) + 1);
  };

  const placeOne = async () => {
    const key = randomUUID();
    const order = shop.randomOrder(); // one request, retried as is: same key, same body
    const result = await untilAnswered(async () => {
      const answer = await gateway("POST", "/api/orders", order, { "idempotency-key": key });
      if (answer.status >= 500) answers.retries += 1;
      return answer;
    }, `order ${key}`);
    if (result.status === 201 || result.status === 202) {
      acknowledged.add(result.body.id);
      answers[result.status === 201 ? "created" : "accepted"] += 1;
      if (result.body.status === "CONFIRMED" && Math.random() < cancelShare) await cancelOne(result.body.id);
      return;
    }
    answers.refused += 1;
    const why = `${result.status} ${result.body?.error?.code ?? ""} ${String(result.body?.error?.message ?? "").replace(/[0-9a-f-]{36}/g, "<id>")}`;
    refusals.set(why, (refusals.get(why) ?? 0) + 1);
  };

  return {
    acknowledged,
    cancelled,
    answers,
    refusals,
    async run(clients, keepGoing) {
      const client = async () => {
        while (keepGoing()) await placeOne();
      };
      await Promise.all(Array.from({ length: clients }, client));
    },
  };
}
