/**
 * Loads Moleculer for the peer bench. It is a pinned devDependency (moleculer 0.14.36, the last
 * line that runs on Node 20; its NATS transporter uses the project's own `nats` package), so the
 * bench needs no registry: `npm ci` installed it. Loaded at run time, so the rest of the benches
 * and the type check do not depend on it; missing → the peer bench fails saying why (run npm ci).
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { repoRoot } from "../../test/support/processes";

export const moleculerVersion = "0.14.36";

export function loadMoleculer(): any {
  return createRequire(join(repoRoot, "package.json"))("moleculer");
}

/** Why Moleculer cannot be loaded (not installed, or not the pinned version), or null when it can. */
export function moleculerMissing(): string | null {
  try {
    const version = (createRequire(join(repoRoot, "package.json"))("moleculer/package.json") as { version: string }).version;
    return version === moleculerVersion ? null : `moleculer ${version} is installed, the bench pins ${moleculerVersion} (npm ci)`;
  } catch {
    return `moleculer ${moleculerVersion} (a devDependency) is not installed: run npm ci`;
  }
}

/** Same broker settings on both Moleculer nodes: NATS transporter, JSON serializer, no logs. */
export function brokerOptions(nodeID: string, natsUrl: string) {
  return { nodeID, namespace: "bench", transporter: { type: "NATS", options: { url: natsUrl } }, logger: false, metrics: false, tracing: false };
}
