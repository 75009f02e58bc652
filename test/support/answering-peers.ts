/**
 * Fake peers for an in-process gateway: every procedure of a peer that the gateway calls answers
 * its sample (sample-answers.ts, valid against the owner's output schema; orders.place a completed
 * order), and each call is recorded as `<peer>.<procedure>`. Outside the system under test, so a
 * double is fine here.
 */
import { createLogger } from "../../shared/core/logger";
import { createPeerClient } from "../../shared/rpc/peer-client";
import type { GatewayDeps, GatewayPeers } from "../../workers/gateway/deps";
import { sampleAnswers } from "./sample-answers";

const peerNames = ["users", "catalog", "inventory", "payments", "orders", "reporting"] as const;

/** Gateway deps whose peers answer every procedure, and the calls they were asked. */
export function createAnsweringPeers(adminApiKey: string, extra: Partial<GatewayDeps> = {}) {
  const calls: string[] = [];
  const fetch = Object.assign(
    async (input: RequestInfo | URL): Promise<Response> => {
      const url = new URL(String(input));
      const peer = url.hostname.replace(/\.test$/, "");
      if (url.pathname === "/health/ready") return Response.json({ worker: peer, ready: true });
      const procedure = `${peer}.${url.pathname.replace(/^\/trpc\//, "")}`;
      calls.push(procedure);
      if (!(procedure in sampleAnswers)) return Response.json({ error: { message: `no sample answer for ${procedure}`, code: -32004, data: { code: "NOT_FOUND" } } }, { status: 404 });
      return Response.json({ result: { data: sampleAnswers[procedure] } });
    },
    { preconnect: globalThis.fetch.preconnect },
  );
  const to = (name: string) => ({ self: "gateway", peer: name, url: `http://${name}.test`, maxAttempts: 1, fetch });
  const deps: GatewayDeps = {
    logger: createLogger({ worker: "gateway", level: "silent" }),
    identity: null,
    // Typed per peer by GatewayPeers; the fake answers whatever any of them is asked.
    peers: Object.fromEntries(peerNames.map((name) => [name, createPeerClient(to(name)).client])) as unknown as GatewayPeers,
    healthTargets: [{ name: "users", url: "http://users.test" }],
    healthProbeTimeoutMs: 500,
    orderPlaceTimeoutMs: 5_000,
    fetch,
    adminApiKey,
    ...extra,
  };
  return { calls, deps };
}
