import { afterEach, describe, expect, it } from "vitest";
import { chooseInstance, createPeerResolver, type PeerInstance } from "./peer-discovery";

const a: PeerInstance = { id: "A", url: "http://10.0.0.1:4103" };
const b: PeerInstance = { id: "B", url: "http://10.0.0.2:4103" };
const fallbackUrl = "http://127.0.0.1:4103";
const resolvers: { stop(): void }[] = [];
afterEach(() => resolvers.splice(0).forEach((resolver) => resolver.stop()));

/** A resolver whose lookup answers from `answers` in turn (the last one repeats) and counts its calls. */
function resolverAnswering(answers: (PeerInstance[] | undefined | Error)[], pinnedUrl?: string, stableRefreshMaxMs?: number) {
  let calls = 0;
  const lookup = async () => {
    const answer = answers[Math.min(calls++, answers.length - 1)];
    if (answer instanceof Error) throw answer;
    return answer;
  };
  const resolver = createPeerResolver({
    peer: "inventory",
    fallbackUrl,
    lookup,
    ...(pinnedUrl ? { pinnedUrl } : {}),
    refreshEveryMs: 20,
    ...(stableRefreshMaxMs ? { stableRefreshMaxMs } : {}),
  });
  resolvers.push(resolver);
  return { resolver, calls: () => calls };
}

describe("chooseInstance", () => {
  it("keeps the instance it calls while that one answers, takes another when it is gone, and none when the peer has none", () => {
    expect(chooseInstance(a, [b, a])).toBe(a);
    expect(chooseInstance(a, [b])).toBe(b);
    expect(chooseInstance(undefined, [b, a])).toBe(b);
    expect(chooseInstance(a, [])).toBeNull();
    // It could not ask (NATS down): what it knew stands.
    expect(chooseInstance(a, undefined)).toBe(a);
    expect(chooseInstance(undefined, undefined)).toBeUndefined();
  });
});

describe("peer resolver", () => {
  it("starts at the placement's default and takes the URL a lookup finds", async () => {
    const { resolver } = resolverAnswering([[a]]);
    expect(resolver.url()).toBe(fallbackUrl);
    await resolver.refresh();
    expect(resolver.url()).toBe(a.url);
    expect(resolver.instanceId()).toBe("A");
  });

  it("follows the peer to its new instance, back to the default when none runs, and keeps its URL while NATS cannot be asked", async () => {
    const { resolver } = resolverAnswering([[a], undefined, new Error("TIMEOUT"), [b], []]);
    await resolver.refresh();
    await resolver.refresh();
    await resolver.refresh();
    expect(resolver.url()).toBe(a.url);
    await resolver.refresh();
    expect(resolver.url()).toBe(b.url);
    await resolver.refresh();
    expect(resolver.url()).toBe(fallbackUrl);
  });

  it("looks up again when a call fails in transport, joining a lookup already running", async () => {
    const { resolver, calls } = resolverAnswering([[a], [b]]);
    const location = resolver.location();
    location.onTransportFailure();
    location.onTransportFailure();
    await resolver.refresh();
    expect(calls()).toBe(1);
    expect(location.resolveUrl()).toBe(a.url);
    location.onTransportFailure();
    await resolver.refresh();
    expect(location.resolveUrl()).toBe(b.url);
  });

  it("refreshes in the background once started", async () => {
    const { resolver, calls } = resolverAnswering([[a], [b]]);
    resolver.start();
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(calls()).toBeGreaterThanOrEqual(2);
    expect(resolver.url()).toBe(b.url);
  });

  it("looks less often while it keeps finding the same instance, and at once again after a failed call", async () => {
    const { resolver, calls } = resolverAnswering([[a]], undefined, 10_000);
    resolver.start();
    // Steady: lookups at 0, 20, 60, 140, 300, 620 ms... — far fewer than one per 20 ms.
    await new Promise((resolve) => setTimeout(resolve, 700));
    const steady = calls();
    expect(steady).toBeGreaterThanOrEqual(3);
    expect(steady).toBeLessThanOrEqual(8);
    resolver.location().onTransportFailure();
    await resolver.refresh();
    expect(calls()).toBe(steady + 1);
  });

  it("keeps looking every interval while the peer has no instance yet", async () => {
    const { resolver, calls } = resolverAnswering([[], [], [], [], [], [a]], undefined, 10_000);
    resolver.start();
    // Six lookups 20 ms apart take ~100 ms; with the steady backoff they would take ~620 ms.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(calls()).toBeGreaterThanOrEqual(6);
    expect(resolver.url()).toBe(a.url);
  });

  it("never looks up a peer pinned by its <PEER>_URL", async () => {
    const { resolver, calls } = resolverAnswering([[a]], "http://inventory.internal:8080");
    resolver.start();
    resolver.location().onTransportFailure();
    await resolver.refresh();
    expect(calls()).toBe(0);
    expect(resolver.url()).toBe("http://inventory.internal:8080");
  });
});
