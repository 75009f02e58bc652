/**
 * The two example apps under examples/ against a launched mesh (real Bun workers, a real
 * nats-server), each run as its own `bun run` process the way its README line says:
 * - openapi-client: a client generated from /openapi.json (openapi-typescript types, openapi-fetch
 *   calls) places and reads an order; its committed schema.d.ts is what the generator makes of the
 *   served document now (regenerated to a temp file and compared), so the two cannot drift.
 * - trpc-app: a separate app on the package's `bunmesh/client` entry (`"bunmesh": "file:../.."`)
 *   type-checks against the entry's declarations alone, places and reads an order, imports nothing
 *   by a path into workers/, and its bundle holds no module of the server.
 * The link `examples/trpc-app/node_modules/bunmesh → ../../..` is the one `npm install` makes for a
 * file: dependency; made here so the test needs no install (node_modules is ignored by git).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { bunBin, repoRoot, runToEnd, stopAll, tempDir, testAdminKey } from "./support/processes";
import { startShopMesh, type TestMesh } from "./support/mesh";

const openapiClient = join(repoRoot, "examples", "openapi-client");
const trpcApp = join(repoRoot, "examples", "trpc-app");
const tsc = join(repoRoot, "node_modules", ".bin", "tsc");
let mesh: TestMesh;

/** What `npm install` makes of `"bunmesh": "file:../.."`: a link to the package. */
function linkPackage(): void {
  const link = join(trpcApp, "node_modules", "bunmesh");
  if (existsSync(link)) return;
  mkdirSync(join(trpcApp, "node_modules"), { recursive: true });
  symlinkSync("../../..", link, "dir");
}

beforeAll(async () => {
  linkPackage();
  const [built] = await Promise.all([runToEnd("npm", ["run", "build:client"]), startShopMesh().then((started) => (mesh = started))]);
  expect(built.code, built.output).toBe(0);
}, 240_000);
afterAll(stopAll);

/** Runs an example's program against the mesh and returns the JSON it printed. */
async function runExample(script: string): Promise<any> {
  const run = await runToEnd(bunBin, ["run", script], { GATEWAY_URL: mesh.url("gateway"), ADMIN_API_KEY: testAdminKey });
  expect(run.code, run.output).toBe(0);
  const line = run.output.split("\n").find((text) => text.startsWith("{"));
  expect(line, run.output).toBeDefined();
  return JSON.parse(line!);
}

const expectedOrder = (priceCents: number) => ({ status: "CONFIRMED", totalCents: 2 * priceCents, lines: [expect.objectContaining({ quantity: 2, unitPriceCents: priceCents })] });

describe("examples/openapi-client: a client generated from /openapi.json", () => {
  it("places an order and reads it back through the REST API", async () => {
    const { placedStatus, order } = await runExample("examples/openapi-client/place-order.ts");
    expect(placedStatus).toBe(201);
    expect(order).toMatchObject({ ...expectedOrder(1250), lines: [expect.objectContaining({ name: "Generated lamp" })] });
  });

  it("commits the types openapi-typescript makes of the served document, and of the one the code builds", async () => {
    const out = tempDir("openapi-client");
    const served = await runToEnd(bunBin, ["run", "examples/openapi-client/generate.ts", "--from", `${mesh.url("gateway")}/openapi.json`, "--out", join(out, "served.d.ts")]);
    const built = await runToEnd(bunBin, ["run", "examples/openapi-client/generate.ts", "--out", join(out, "built.d.ts")]);
    expect([served.code, built.code], served.output + built.output).toEqual([0, 0]);
    const committed = readFileSync(join(openapiClient, "schema.d.ts"), "utf8");
    expect(readFileSync(join(out, "served.d.ts"), "utf8"), "regenerate: bun run examples/openapi-client/generate.ts").toBe(committed);
    expect(readFileSync(join(out, "built.d.ts"), "utf8")).toBe(committed);
    expect(committed).toContain("PendingOrder: {\n            id: string;");
  }, 120_000);
});

describe("examples/trpc-app: a separate app on the package's bunmesh/client entry", () => {
  it("imports the mesh only through bunmesh/client, never by a path into workers/ or shared/", () => {
    const sources = readdirSync(trpcApp).filter((file) => file.endsWith(".ts"));
    expect(sources.length).toBeGreaterThan(0);
    const specifiers = sources.flatMap((file) => [...readFileSync(join(trpcApp, file), "utf8").matchAll(/from\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1] ?? m[2]));
    expect([...new Set(specifiers)]).toEqual(["bunmesh/client"]);
    expect(JSON.parse(readFileSync(join(trpcApp, "package.json"), "utf8")).dependencies).toEqual({ bunmesh: "file:../.." });
  });

  it("type-checks against the entry's declarations alone (no source file of the server in the program)", async () => {
    const run = await runToEnd(tsc, ["-p", "examples/trpc-app", "--listFiles"]);
    expect(run.code, run.output).toBe(0);
    const ours = run.output.split("\n").filter((file) => file.startsWith(repoRoot) && !file.includes("/node_modules/"));
    expect(ours.filter((file) => !file.startsWith(join(repoRoot, "dist", "client")) && !file.startsWith(trpcApp))).toEqual([]);
    expect(ours).toContain(join(repoRoot, "dist", "client", "types", "workers", "gateway", "client.d.ts"));
  }, 120_000);

  it("loads no module of the server at run time: its bundle holds the app, the entry's client.js and @trpc only", async () => {
    const bundle = join(tempDir("trpc-app-bundle"), "app.js");
    const run = await runToEnd(bunBin, ["build", "examples/trpc-app/place-order.ts", "--target", "bun", "--outfile", bundle]);
    expect(run.code, run.output).toBe(0);
    // Bun heads each bundled module with a `// <path>` line.
    const modules = [...new Set(readFileSync(bundle, "utf8").match(/^\/\/ (?!@bun).+$/gm))].map((line) => line.slice(3));
    expect(modules).toContain("dist/client/client.js");
    expect(modules.filter((path) => !/^(examples\/trpc-app\/|dist\/client\/client\.js$|node_modules\/@trpc\/(client|server)\/)/.test(path))).toEqual([]);
  }, 60_000);

  it("places an order and reads it back through the public tRPC router", async () => {
    const { placed, read } = await runExample("examples/trpc-app/place-order.ts");
    expect(placed.completed).toBe(true);
    expect(placed.order).toMatchObject(expectedOrder(2500));
    expect(read).toMatchObject({ id: placed.order.id, ...expectedOrder(2500) });
  });
});
