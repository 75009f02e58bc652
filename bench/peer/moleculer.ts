/** Loads moleculer from bench/.peer, where the peer bench installs it (never a project dependency). */
import { createRequire } from "node:module";
import { join } from "node:path";
import { repoRoot } from "../../test/support/processes";

export const peerDir = join(repoRoot, "bench", ".peer");

export function loadMoleculer(): any {
  return createRequire(join(peerDir, "package.json"))("moleculer");
}

/** Same broker settings on both Moleculer nodes: NATS transporter, JSON serializer, no logs. */
export function brokerOptions(nodeID: string, natsUrl: string) {
  return { nodeID, namespace: "bench", transporter: { type: "NATS", options: { url: natsUrl } }, logger: false, metrics: false, tracing: false };
}
