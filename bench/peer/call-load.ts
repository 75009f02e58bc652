/**
 * The caller side of the peer bench, the same loop for both stacks: CONCURRENCY calls in flight
 * for WARMUP_S (discarded) then DURATION_S seconds, each call timed with performance.now().
 * MODE=moleculer: `broker.call("catalog.get", { id })` from a Moleculer node over NATS.
 * MODE=bunmesh: `catalog.client.get.query({ id })` through the kit's peer client (what orders and the
 * gateway use) to the catalog worker at CATALOG_URL. Prints one JSON line.
 */
import { createPeerClient } from "../../shared/rpc/peer-client";
import type { CatalogRouter } from "../../workers/catalog/router";
import { brokerOptions, loadMoleculer } from "./moleculer";

const env = process.env;
const mode = env["MODE"];
const id = env["PRODUCT_ID"]!;
const concurrency = Number(env["CONCURRENCY"] ?? 32);
const durationS = Number(env["DURATION_S"] ?? 10);
const warmupS = Number(env["WARMUP_S"] ?? 2);

let callOnce: () => Promise<unknown>;
let stop = async () => {};
if (mode === "moleculer") {
  const { ServiceBroker } = loadMoleculer();
  const broker = new ServiceBroker(brokerOptions("caller", env["NATS_URL"]!));
  await broker.start();
  await broker.waitForServices(["catalog"], 30_000);
  callOnce = () => broker.call("catalog.get", { id });
  stop = () => broker.stop();
} else if (mode === "bunmesh") {
  const catalog = createPeerClient<CatalogRouter>({
    self: "gateway",
    peer: "catalog",
    url: env["CATALOG_URL"]!,
    timeoutMs: 10_000,
    // The service token a worker of the mesh would send (see bench/lib/token.ts).
    headers: () => ({ authorization: env["AUTHORIZATION"] ?? "" }),
  });
  callOnce = () => catalog.client.get.query({ id });
} else throw new Error(`MODE must be moleculer or bunmesh, got ${mode}`);

async function drive(seconds: number, record: boolean) {
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  const lane = async () => {
    while (performance.now() < until) {
      const started = performance.now();
      try {
        await callOnce();
        if (record) latencies.push(performance.now() - started);
      } catch {
        errors++;
      }
    }
  };
  const began = performance.now();
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { latencies, errors, seconds: (performance.now() - began) / 1000 };
}

await drive(warmupS, false);
const { latencies, errors, seconds } = await drive(durationS, true);
latencies.sort((a, b) => a - b);
const pct = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]! * 100) / 100;
await stop();
console.log(
  JSON.stringify({
    calls: latencies.length,
    callsPerSec: Math.round(latencies.length / seconds),
    p50Ms: pct(50),
    p90Ms: pct(90),
    p99Ms: pct(99),
    meanMs: Math.round((latencies.reduce((a, b) => a + b, 0) / latencies.length) * 100) / 100,
    errors,
  }),
);
process.exit(0);
