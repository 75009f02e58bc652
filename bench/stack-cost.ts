/**
 * `bun run bench/stack-cost.ts [full|notel|noid]`: server-side CPU per request of catalog's tRPC
 * `get` against a bare Hono route doing the same read, both called with `app.fetch` in one Bun
 * process (no network, no load generator), so the figure is the stack's own cost. `notel` skips
 * the OpenTelemetry SDK, `noid` the service-token check, to see their shares. Each side runs
 * twice after a warm-up; compare within one run. Used for bench/FINDINGS.md, not by npm run bench.
 */
import { Hono } from "hono";
import { Database } from "bun:sqlite";
import { openWorkerDatabase } from "../shared/db/db";
import { createLogger } from "../shared/core/logger";
import { createServiceIdentity } from "../shared/rpc/identity";
import { startTelemetry } from "../telemetry/sdk";
import { tempDir } from "../test/support/processes";
import { productOfRow } from "./servers/product-row";
import * as schema from "../workers/catalog/schema";
import { createCatalogWorker } from "../workers/catalog/worker";

const mode = process.argv[2] ?? "full";
if (mode !== "notel") await startTelemetry({ serviceName: "catalog", serviceVersion: "0.0.0", env: {} });
const database = await openWorkerDatabase({ worker: "catalog", dataDir: tempDir("stack-cost"), schema });
const secret = "stack-cost-secret-".repeat(3);
const identity = mode === "noid" ? null : createServiceIdentity({ self: "catalog", secret });
const worker = createCatalogWorker({ db: database.db, logger: createLogger({ worker: "catalog", level: "warn" }), now: () => new Date(), identity });
await worker.start();

const headers: Record<string, string> = { "x-mesh-caller": "gateway" };
if (identity) headers["authorization"] = `Bearer ${await createServiceIdentity({ self: "gateway", secret }).tokenFor("catalog")}`;
const created = (await (
  await worker.app.fetch(
    new Request("http://catalog/trpc/create", {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ sku: "STACK-1", name: "Stack", priceCents: 100 }),
    }),
  )
).json()) as { result?: { data?: { id: string } } };
const id = created.result?.data?.id;
if (!id) throw new Error(`could not create the product: ${JSON.stringify(created)}`);

// The bare side: bench/servers/bare-hono.ts's route, on a read-only connection to the same file.
const byId = new Database(database.file, { readonly: true }).query<Record<string, any>, [string]>("SELECT * FROM products WHERE id = ?");
const bare = new Hono();
bare.get("/products/:id", (c) => {
  const row = byId.get(c.req.param("id"))!;
  return c.json(productOfRow(row));
});

const trpcUrl = `http://catalog/trpc/get?input=${encodeURIComponent(JSON.stringify({ id }))}`;
async function perRequestMicros(call: () => Response | Promise<Response>): Promise<number> {
  for (let i = 0; i < 2_000; i++) await (await call()).text();
  const n = 20_000;
  const started = performance.now();
  for (let i = 0; i < n; i++) await (await call()).text();
  return ((performance.now() - started) * 1000) / n;
}
for (let round = 0; round < 2; round++) {
  const bareUs = await perRequestMicros(() => bare.fetch(new Request(`http://bare/products/${id}`)));
  const trpcUs = await perRequestMicros(() => worker.app.fetch(new Request(trpcUrl, { headers })));
  console.log(`${mode}: bare ${bareUs.toFixed(1)} µs/request, tRPC get ${trpcUs.toFixed(1)} µs/request, ratio ${(bareUs / trpcUs).toFixed(3)}`);
}
await worker.stop();
database.close();
process.exit(0);
