/** A worker's peer clients' breaker states, one per peer, as facts for `/health/ready` (and so the gateway's /mesh dashboard). */
import type { AnyRouter } from "@trpc/server";
import type { PeerClient } from "../rpc/peer-client";
import type { Worker } from "./worker";

export type BreakerState = ReturnType<PeerClient<AnyRouter>["breakerState"]>;

/** Reads each client's breaker at call time: a probe of /health/ready sees the state now, not at start-up. */
export function breakerStates(clients: Iterable<Pick<PeerClient<AnyRouter>, "peer" | "breakerState">>): () => Record<string, BreakerState> {
  const list = [...clients];
  return () => Object.fromEntries(list.map((client) => [client.peer, client.breakerState()]));
}

/** Adds `breakers: { <peer>: state }` to the worker's `/health/ready`; returns the worker for a main's `create`. */
export function reportBreakers<W extends Pick<Worker<AnyRouter>, "addHealth">>(worker: W, states: () => Record<string, BreakerState>): W {
  worker.addHealth(() => ({ breakers: states() }));
  return worker;
}
