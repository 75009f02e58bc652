/**
 * Where each worker sits in the mesh, in one table: its port is MESH_PORT_BASE + portOffset
 * (offset 0 is the gateway, on the public port instead), and its NATS user may read only the
 * streams of `consumes`. Each worker's config.ts exports its row as `placement` (the launcher,
 * shared/mesh/discover.ts, reads it there), and a worker's default peer URLs come from the
 * peers' rows (`peerUrl("users")` in shared/config.ts), so no port is written twice. A table in
 * the kit rather than an import of the peer's config.ts, because a worker may import of a peer
 * only its router and events contracts; the kit names the workers here but imports none.
 *
 * @example
 *   export const placement = meshPlacement.orders; // workers/orders/config.ts
 *   defaultUrlOf("users"); // "http://127.0.0.1:4101"
 */

export interface Placement {
  portOffset: number;
  /** Streams the worker consumes: an owner's name (durable `<worker>-<owner>`) or the owner and the durable's own name. */
  consumes?: readonly (string | { owner: string; durable: string })[];
}

/** The internal port range starts here when MESH_PORT_BASE is not set (shared/mesh/settings.ts has the same default). */
export const defaultMeshPortBase = 4100;

export const meshPlacement = {
  gateway: { portOffset: 0 },
  users: { portOffset: 1 },
  catalog: { portOffset: 2, consumes: [{ owner: "inventory", durable: "catalog-stock" }] },
  inventory: { portOffset: 3 },
  payments: { portOffset: 4 },
  orders: { portOffset: 5 },
  reporting: { portOffset: 6, consumes: ["orders"] },
} as const satisfies Record<string, Placement>;

export type MeshWorkerName = keyof typeof meshPlacement;

/** A worker's port when run alone, without the launcher's MESH_PORT_BASE. */
export function defaultPortOf(name: Exclude<MeshWorkerName, "gateway">): number {
  return defaultMeshPortBase + meshPlacement[name].portOffset;
}

/** Where a peer is reached when no `<PEER>_URL` says otherwise (the launcher always sets one). */
export function defaultUrlOf(name: Exclude<MeshWorkerName, "gateway">): string {
  return `http://127.0.0.1:${defaultPortOf(name)}`;
}
