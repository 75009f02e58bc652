/**
 * Where a peer is: its `<PEER>_URL` when the operator pinned one (no discovery); otherwise the URL
 * its NATS service registered (shared/rpc/service-registry.ts), looked up in the background every few
 * seconds and again at once when a call to it fails in transport; the placement's default
 * (127.0.0.1:MESH_PORT_BASE+portOffset) until a lookup finds it, and whenever NATS answers that
 * no instance runs. A lookup that cannot ask (NATS down) keeps what it knew. Calls stay HTTP.
 *
 * @example
 *   const inventory = createPeerResolver({ peer: "inventory", fallbackUrl, lookup: () => lookupThroughNats(nats, "inventory") });
 *   createPeerClient({ self: "orders", peer: "inventory", ...inventory.location() }); // resolver.start() with the worker
 */
import type { NatsConnectionProvider } from "../events/nats";
import { findServiceInstances } from "./service-registry";

/** An instance found: its id (a new one when the peer restarts or moves) and the URL it registered. */
export interface PeerInstance {
  id: string;
  url: string;
}

/** The instances running now; undefined when it could not ask (NATS is not connected, or the request failed). */
export type PeerLookup = () => Promise<PeerInstance[] | undefined>;

export interface PeerResolverOptions {
  peer: string;
  /** `<PEER>_URL` as set: when given, the peer is pinned there and never looked up. */
  pinnedUrl?: string;
  /** Where the peer is when no lookup found it: the placement's default. */
  fallbackUrl: string;
  lookup: PeerLookup;
  /** Background lookups, this often. Default 3000 ms. */
  refreshEveryMs?: number;
}

/** What a peer client takes from the resolver: the first URL, the current one per call, and whom to tell of a failed call. */
export interface PeerLocation {
  url: string;
  resolveUrl(): string;
  onTransportFailure(): void;
}

export interface PeerResolver {
  url(): string;
  /** The instance the URL came from, when a lookup found one. */
  instanceId(): string | undefined;
  /** Looks up now (a lookup already running is joined, not repeated). */
  refresh(): Promise<void>;
  location(): PeerLocation;
  start(): void;
  stop(): void;
}

/**
 * Which instance to call after a lookup: the current one while it still answers (calls keep going
 * where they went), else the first found; `null` when the peer answered as gone (no instance), and
 * `undefined` when the lookup could not ask (keep what was known).
 */
export function chooseInstance(current: PeerInstance | undefined, found: PeerInstance[] | undefined): PeerInstance | null | undefined {
  if (found === undefined) return current;
  if (found.length === 0) return null;
  return found.find((instance) => instance.id === current?.id) ?? found[0]!;
}

export function createPeerResolver(options: PeerResolverOptions): PeerResolver {
  let current: PeerInstance | undefined;
  let running: Promise<void> | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  const url = () => options.pinnedUrl ?? current?.url ?? options.fallbackUrl;

  const refresh = (): Promise<void> => {
    if (options.pinnedUrl) return Promise.resolve();
    running ??= options
      .lookup()
      .catch(() => undefined)
      .then((found) => void (current = chooseInstance(current, found) ?? undefined))
      .finally(() => (running = undefined));
    return running;
  };

  return {
    url,
    instanceId: () => current?.id,
    refresh,
    location: () => ({ url: url(), resolveUrl: url, onTransportFailure: () => void refresh() }),
    start() {
      if (options.pinnedUrl || timer) return;
      void refresh();
      timer = setInterval(() => void refresh(), options.refreshEveryMs ?? 3_000);
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}

/** The lookup through the worker's NATS connection: `$SRV.PING.<peer>`, each instance with the URL it registered. */
export function lookupThroughNats(nats: NatsConnectionProvider, peer: string, maxWaitMs = 1_000): PeerLookup {
  return async () => {
    const nc = nats.current();
    if (!nc) return undefined;
    const instances = await findServiceInstances(nc, peer, maxWaitMs);
    return instances.flatMap((instance) => (instance.metadata.url ? [{ id: instance.id, url: instance.metadata.url }] : []));
  };
}
