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
  /** Background lookups, this often while the peer's instance is unknown or changing. Default 3000 ms. */
  refreshEveryMs?: number;
  /** The longest wait between lookups while they keep finding the same instance (doubling from refreshEveryMs). Default 30 s. */
  stableRefreshMaxMs?: number;
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
  let timer: ReturnType<typeof setTimeout> | undefined;
  let started = false;
  const url = () => options.pinnedUrl ?? current?.url ?? options.fallbackUrl;
  const everyMs = options.refreshEveryMs ?? 3_000;
  const stableMaxMs = options.stableRefreshMaxMs ?? 30_000;
  let nextMs = everyMs;

  // While lookups keep finding the same instance, each waits twice as long as the one before (up
  // to stableRefreshMaxMs); a change, a failed lookup or a call that could not reach the peer
  // (onTransportFailure) goes back to every `refreshEveryMs`.
  const schedule = () => {
    if (!started) return;
    clearTimeout(timer);
    timer = setTimeout(() => void refresh(), nextMs);
    (timer as { unref?: () => void }).unref?.();
  };
  const refresh = (): Promise<void> => {
    if (options.pinnedUrl) return Promise.resolve();
    running ??= options
      .lookup()
      .catch(() => undefined)
      .then((found) => {
        const chosen = chooseInstance(current, found) ?? undefined;
        // Steady: an instance found, the same as before. No instance yet (a peer still starting) is not steady.
        const steady = chosen !== undefined && chosen.id === current?.id && chosen.url === current?.url;
        nextMs = steady ? Math.min(stableMaxMs, nextMs * 2) : everyMs;
        current = chosen;
      })
      .finally(() => {
        running = undefined;
        schedule();
      });
    return running;
  };
  const refreshSoon = () => {
    nextMs = everyMs;
    void refresh();
  };

  return {
    url,
    instanceId: () => current?.id,
    refresh,
    location: () => ({ url: url(), resolveUrl: url, onTransportFailure: refreshSoon }),
    start() {
      if (options.pinnedUrl || started) return;
      started = true;
      void refresh();
    },
    stop() {
      started = false;
      clearTimeout(timer);
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
