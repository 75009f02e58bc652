/**
 * 2. One cross-worker hop: the gateway calling catalog, against a client calling catalog
 * directly, on a launcher mesh. The gateway's product read composes two peers, so the one-hop
 * pair is measured as well.
 */
import { autocannon, conditionsOf, ratio } from "../lib/autocannon";
import { emptyResult, type Bench } from "../lib/types";

export const hopBench: Bench = {
  name: "hop",
  title: "gateway → catalog vs client → catalog directly",
  async run(ctx) {
    const result = emptyResult(
      this,
      "Mesh started by the launcher (all 7 workers, NATS). Pair 1 (composed): GET /api/products/:id on the gateway — which calls " +
        "catalog.get and inventory.get in parallel (two hops, API composition) — against GET catalog /trpc/get?input={id} directly. " +
        "Pair 2 (one hop): GET /api/products?limit=1 on the gateway — exactly one call, catalog.list({limit:1}) — against GET " +
        "catalog /trpc/list?input={limit:1} directly. The gateway calls peers with the kit's peer client (@trpc/client httpLink, " +
        "deadline, retry, breaker, tracing link, service token). Direct calls carry a service token too, as the gateway's do.",
    );
    const mesh = await ctx.mesh("plain");
    const catalogUrl = mesh.workers.find((w) => w.name === "catalog")!.url;
    const settings = ctx.settings;
    const trpcGet = (path: string, input: unknown) => `${catalogUrl}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`;

    const direct = { ...settings, headers: await ctx.directHeaders("catalog") };
    const directGet = await autocannon(trpcGet("get", { id: mesh.productId }), direct);
    const gatewayComposed = await autocannon(`${mesh.gatewayUrl}/api/products/${mesh.productId}`, settings);
    const directList = await autocannon(trpcGet("list", { limit: 1 }), direct);
    const gatewayOneHop = await autocannon(`${mesh.gatewayUrl}/api/products?limit=1`, settings);

    const c = (payload: string) => conditionsOf(settings, payload);
    result.figures.push(
      { label: "client → catalog /trpc/get", conditions: c("GET, one product"), values: directGet },
      { label: "client → gateway GET /api/products/:id (→ catalog.get ∥ inventory.get)", conditions: c("GET, one product + stock"), values: gatewayComposed },
      { label: "client → catalog /trpc/list {limit:1}", conditions: c("GET, page of one product"), values: directList },
      { label: "client → gateway GET /api/products?limit=1 (→ catalog.list)", conditions: c("GET, page of one product"), values: gatewayOneHop },
    );
    result.ratios["composedOverDirect"] = ratio(gatewayComposed.requestsPerSec, directGet.requestsPerSec);
    result.ratios["oneHopOverDirect"] = ratio(gatewayOneHop.requestsPerSec, directList.requestsPerSec);
    result.notes.push("No aim of its own in the issue: it shows what a hop through the gateway costs. The hop-vs-peer aim is the `peer` bench.");
    return result;
  },
};
