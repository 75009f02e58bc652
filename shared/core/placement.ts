/**
 * Where a worker sits in the mesh: its port is MESH_PORT_BASE + portOffset (offset 0 is the
 * gateway, on the public port instead), and its NATS user may read only the streams of
 * `consumes`. Each worker states its own placement in its `contract.ts` (the file peers may
 * import), and its config.ts exports it as `placement` for the launcher (shared/mesh/discover.ts);
 * a worker's default peer URLs come from the peers' placements (`peerUrl(usersPlacement)` in
 * shared/core/config.ts), so no port is written twice and a new worker is a copied folder, not an
 * edit of the kit.
 *
 * @example
 *   export const placement = { portOffset: 5 } as const satisfies Placement; // workers/orders/contract.ts
 *   defaultUrlOf(usersPlacement); // "http://127.0.0.1:4101"
 */

export interface Placement {
  portOffset: number;
  /** Streams the worker consumes: an owner's name (durable `<worker>-<owner>`) or the owner and the durable's own name. */
  consumes?: readonly (string | { owner: string; durable: string })[];
}

/** The internal port range starts here when MESH_PORT_BASE is not set (shared/mesh/settings.ts has the same default). */
export const defaultMeshPortBase = 4100;

/** A worker's port when run alone, without the launcher's MESH_PORT_BASE. */
export function defaultPortOf(placement: Placement): number {
  return defaultMeshPortBase + placement.portOffset;
}

/** Where a peer is reached when no `<PEER>_URL` says otherwise (the launcher always sets one). */
export function defaultUrlOf(placement: Placement): string {
  return `http://127.0.0.1:${defaultPortOf(placement)}`;
}
