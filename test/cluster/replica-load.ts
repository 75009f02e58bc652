/**
 * Customers of the two gateway replicas. `replicaCaller` spreads calls over the replicas that run
 * (turn by turn) and, as a client behind a load balancer would, sends a call the replica could
 * not take (no connection) to the other one. `crossReplicaClient` places orders on one replica and
 * sends the same request with the same Idempotency-Key again to the other: the second answer must
 * be the first order, not a new one.
 */
import { randomUUID } from "node:crypto";
import { gatewayCaller, untilAnswered, type Answer, type GatewayCall } from "../faults/gateway";
import type { FaultShop } from "../faults/shop";
import type { ClusterMesh, Instance } from "./cluster-mesh";

export const replicas: readonly Instance[] = ["gateway-a", "gateway-b"];

export interface ReplicaStats {
  /** Answers by replica. */
  answeredBy: Record<string, number>;
  /** Calls a replica could not take, sent to the other one. */
  failedOver: number;
}

export function replicaCaller(mesh: ClusterMesh): { call: GatewayCall; stats: ReplicaStats } {
  const stats: ReplicaStats = { answeredBy: {}, failedOver: 0 };
  let turn = 0;
  const call: GatewayCall = async (method, path, body, headers) => {
    const live = replicas.filter((replica) => mesh.running.has(replica));
    const order = turn++ % 2 === 0 ? live : [...live].reverse();
    let lastError: unknown = new Error("no gateway replica runs");
    for (const replica of order) {
      try {
        const answer = await gatewayCaller(() => mesh.url(replica))(method, path, body, headers);
        stats.answeredBy[replica] = (stats.answeredBy[replica] ?? 0) + 1;
        return answer;
      } catch (error) {
        lastError = error;
        stats.failedOver += 1;
      }
    }
    throw lastError;
  };
  return { call, stats };
}

export interface CrossReplicaStats {
  /** Orders placed on one replica and sent again to the other with the same key. */
  tried: number;
  /** The second answer named the first order. */
  same: number;
  /** The second answer named another order (must stay empty). */
  different: { key: string; first: string; second: string }[];
}

const isAcknowledged = (answer: Answer) => answer.status === 201 || answer.status === 202;

/** One client placing orders on a replica and repeating each on the other, while `keepGoing()`. */
export async function crossReplicaClient(mesh: ClusterMesh, shop: FaultShop, acknowledged: Set<string>, keepGoing: () => boolean): Promise<CrossReplicaStats> {
  const stats: CrossReplicaStats = { tried: 0, same: 0, different: [] };
  // Retried through outages like any client, but given up once that replica is gone for good.
  const on = (replica: Instance, order: unknown, key: string) =>
    untilAnswered(async () => {
      if (!mesh.running.has(replica)) return { status: 499, body: { gone: replica } };
      return gatewayCaller(() => mesh.url(replica))("POST", "/api/orders", order, { "idempotency-key": key });
    }, `order ${key} on ${replica}`);
  for (let turn = 0; keepGoing(); turn++) {
    const live = replicas.filter((replica) => mesh.running.has(replica));
    if (live.length < 2) return stats;
    const [first, second] = turn % 2 === 0 ? live : [...live].reverse();
    const key = randomUUID();
    const order = shop.randomOrder();
    const placed = await on(first!, order, key);
    if (!isAcknowledged(placed)) continue;
    acknowledged.add(placed.body.id);
    const again = await on(second!, order, key);
    if (again.status === 499) continue;
    stats.tried += 1;
    if (isAcknowledged(again) && again.body.id === placed.body.id) stats.same += 1;
    else stats.different.push({ key, first: placed.body.id, second: again.body.id ?? `${again.status} ${JSON.stringify(again.body)}` });
  }
  return stats;
}
