/**
 * Issue 14: bad input anywhere in the public API answers 4xx naming the field, writes nothing,
 * never a 5xx or a hang. fast-check generates bad requests (fixed seed, printed, so a failure
 * replays) against a launched mesh, through the gateway's public HTTP surface only (REST under
 * `/api/*`, the public tRPC router under `/trpc/*`), and every worker's row counts, read from its
 * SQLite file, must be the same afterwards. Separate tests keep what this suite found or what
 * issue 14 asked for apart: a 500 on deeply nested attributes (fixed: catalog's contract walks
 * attribute values with a stack, at most 16 levels), a JSON body under another content type
 * (415), catalog writes without the admin key (401).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import type { Agent } from "node:http";
import { adminHeaders, startNats, stopAll, testAdminKey } from "./support/processes";
import { allWorkers, startMesh, type TestMesh } from "./support/mesh";
import { restRoutes, trpcProcedures, type SeedIds } from "./support/fuzz-api";
import { createFuzzAgent, describeExchange, problemWith, send, type FuzzRequest } from "./support/fuzz-http";
import { badRestRequests, restLabel } from "./support/fuzz-rest";
import { badTrpcRequests, trpcLabel } from "./support/fuzz-trpc";
import { catalogWritesWithoutKey, deeplyNestedAttributes, validBodiesAsNonJson } from "./support/fuzz-intended";
import { changedCounts, settledRowCounts } from "./support/row-counts";

/** The seed of every property here; change it to explore, keep it to replay a failure. */
const seed = 1_402_026;
/** Requests sent at once per property run: modest, the mesh shares two cores with the test. */
const concurrency = 8;
/** A bound on a hang, not a performance target: the issue's 2 s. Requests are cut off at `timeoutMs`. */
const boundMs = 2_000;
const timeoutMs = 6_000;

let mesh: TestMesh;
let ids: SeedIds;
let agent: Agent;

/**
 * nats-server and the mesh. On a crowded machine a worker can miss its 20 s readiness wait: then
 * everything started is stopped and started once more, rather than failing a test about answers.
 */
async function startShop(): Promise<TestMesh> {
  try {
    return await startMesh({ natsUrl: (await startNats()).url });
  } catch (error) {
    console.warn(`fuzz-public-api: mesh start failed (${error instanceof Error ? error.message.split("\n")[0] : String(error)}); starting it again`);
    await stopAll();
    return startMesh({ natsUrl: (await startNats()).url });
  }
}

beforeAll(async () => {
  mesh = await startShop();
  agent = createFuzzAgent(concurrency);
  ids = await seedShop();
  console.info(`fuzz-public-api: fast-check seed ${seed} (replay: the same seed and numRuns give the same requests)`);
}, 240_000);
afterAll(async () => {
  agent?.destroy();
  await stopAll();
});

async function api(method: string, path: string, body: unknown): Promise<any> {
  const res = await fetch(`${mesh.url("gateway")}${path}`, { method, headers: { "content-type": "application/json", ...adminHeaders() }, body: JSON.stringify(body) });
  expect(res.status, `${method} ${path}`).toBeLessThan(300);
  return res.json();
}

/** A customer with credit and two products with stock: what bad requests would damage if they got through. */
async function seedShop(): Promise<SeedIds> {
  const user = await api("POST", "/api/users", { email: "fuzz-seed@example.com", name: "Seed Shopper" });
  await api("PUT", `/api/customers/${user.id}/credit`, { limitCents: 100_000 });
  const products = [];
  for (const sku of ["FUZZ-SEED-1", "FUZZ-SEED-2"]) {
    const product = await api("POST", "/api/products", { sku, name: `Seed ${sku}`, priceCents: 500, attributes: { colour: "blue" } });
    await api("PUT", `/api/inventory/${product.id}`, { onHand: 10 });
    products.push(product.id as string);
  }
  return { userId: user.id, productId: products[0]! };
}

interface RunStats {
  sent: number;
  covered: Set<string>;
  statuses: Map<number, number>;
  slowestMs: number;
  retried: number;
}

/**
 * fc.assert over batches of `concurrency` requests sent at once; a batch fails when any answer is
 * wrong, and the report names every wrong exchange with the seed and path to replay it.
 */
async function assertAnswers(requests: fc.Arbitrary<FuzzRequest>, numRuns: number): Promise<RunStats> {
  const stats: RunStats = { sent: 0, covered: new Set(), statuses: new Map(), slowestMs: 0, retried: 0 };
  const batch = fc.array(requests, { minLength: concurrency, maxLength: concurrency });
  const property = fc.asyncProperty(batch, async (reqs) => {
    const answers = await Promise.all(reqs.map((req) => send(mesh.url("gateway"), req, agent, timeoutMs)));
    const wrong: string[] = [];
    reqs.forEach((req, i) => {
      const answer = answers[i]!;
      stats.sent += 1;
      stats.covered.add(req.covers);
      stats.statuses.set(answer.status, (stats.statuses.get(answer.status) ?? 0) + 1);
      stats.slowestMs = Math.max(stats.slowestMs, answer.ms);
      if (answer.retried) stats.retried += 1;
      const problem = problemWith(req, answer, boundMs);
      if (problem) wrong.push(`${problem}:\n${describeExchange(req, answer)}`);
    });
    if (wrong.length > 0) throw new Error(wrong.join("\n\n"));
  });
  await fc.assert(property, {
    seed,
    numRuns,
    endOnFailure: true, // every run is real requests: report the first failing batch, no shrinking
    asyncReporter: async (details) => {
      if (!details.failed) return;
      const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      throw new Error(`bad requests answered wrongly (seed ${details.seed}, path "${details.counterexamplePath}", run ${details.numRuns}):\n\n${cause}`);
    },
  });
  return stats;
}

function summary(stats: RunStats): string {
  const statuses = [...stats.statuses]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status}×${n}`)
    .join(" ");
  return `${stats.sent} requests, ${stats.covered.size} routes/procedures, answers ${statuses}, slowest ${stats.slowestMs} ms, ${stats.retried} resent after a closed keep-alive connection`;
}

/**
 * Runs the requests and checks that no worker's row counts changed, events in flight included;
 * when answers were wrong, the failure also says which rows they wrote.
 */
async function expectNothingWritten(run: () => Promise<RunStats>): Promise<RunStats> {
  const before = await settledRowCounts(mesh.dataDir, allWorkers);
  const outcome = await run().then(
    (stats) => ({ stats }),
    (error: unknown) => ({ error }),
  );
  const written = changedCounts(before, await settledRowCounts(mesh.dataDir, allWorkers));
  if ("error" in outcome) {
    const rows = written.length === 0 ? "no rows written" : `rows written: ${written.join(", ")}`;
    throw new Error(`${outcome.error instanceof Error ? outcome.error.message : String(outcome.error)}\n\n${rows}`);
  }
  expect(written, "rows written by bad requests").toEqual([]);
  return outcome.stats;
}

describe("bad input to the public API", () => {
  it("answers 5,000+ generated bad requests to every REST route and tRPC procedure with a 4xx naming the field, within 2 s, writing nothing", async () => {
    const requests = fc.oneof(badRestRequests(ids, testAdminKey), badTrpcRequests(ids, testAdminKey));
    const stats = await expectNothingWritten(() => assertAnswers(requests, 640));
    console.info(`fuzz-public-api: ${summary(stats)}`);
    expect(stats.sent).toBeGreaterThanOrEqual(5_000);
    const everyTarget = [...restRoutes.map(restLabel), ...trpcProcedures.map(trpcLabel), "trpc batch", "unknown REST route", "unknown trpc procedure"];
    expect(
      everyTarget.filter((target) => !stats.covered.has(target)),
      "routes no request reached",
    ).toEqual([]);
  }, 600_000);

  // Each case its own test, so a failure says which rule broke. Requests are built
  // lazily: the seeded ids exist only once beforeAll has run.
  const separateCases: { title: string; label: string; runs: number; requests: () => fc.Arbitrary<FuzzRequest> }[] = [
    {
      title: "answers deeply nested product attributes with 400 naming the field, never a 500, writing nothing",
      label: "deep nesting",
      runs: 2,
      requests: () => deeplyNestedAttributes(ids, testAdminKey),
    },
    {
      title: "refuses a valid JSON body sent with a non-JSON content type (or none) with 415 naming application/json, writing nothing",
      label: "content types",
      runs: 20,
      requests: () => validBodiesAsNonJson(ids, testAdminKey),
    },
    {
      title: "refuses catalog writes (REST and tRPC) without the admin key with 401, writing nothing",
      label: "catalog admin key",
      runs: 20,
      requests: () => catalogWritesWithoutKey(ids, testAdminKey),
    },
  ];
  for (const { title, label, runs, requests } of separateCases) {
    it(
      title,
      async () => {
        const stats = await expectNothingWritten(() => assertAnswers(requests(), runs));
        console.info(`fuzz-public-api (${label}): ${summary(stats)}`);
      },
      300_000,
    );
  }
});
