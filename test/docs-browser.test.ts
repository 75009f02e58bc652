/**
 * The gateway's pages in a real headless Chromium (playwright-core under Node; /usr/bin/chromium)
 * against a mesh of real workers: /docs renders every operation with no request leaving the
 * machine; /mesh (admin key) lists every worker up, shows a SIGKILLed worker down and the rest up
 * after its own refresh, and lists a dead letter after a poison event. Without the key /mesh is a
 * 401. With UPDATE_SCREENSHOTS=1 it saves test/screenshots/{docs,mesh}.png for the README.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { connect } from "nats";
import { newId } from "../shared/core/ids";
import { adminHeaders, repoRoot, startNats, stopAll, tempDir, testAdminKey } from "./support/processes";
import { allWorkers, startMesh, type TestMesh } from "./support/mesh";

const chromiumPath = "/usr/bin/chromium";
const screenshots = process.env["UPDATE_SCREENSHOTS"] === "1" ? join(repoRoot, "test", "screenshots") : null;
let mesh: TestMesh;
let natsUrl: string;
let browser: BrowserContext;

beforeAll(async () => {
  expect(existsSync(chromiumPath), `${chromiumPath} is missing: npm test installs it first (npm run test:prerequisites), or run sudo apt-get install -y chromium`).toBe(true);
  const nats = await startNats();
  natsUrl = nats.url;
  mesh = await startMesh({ natsUrl, env: { PEER_TIMEOUT_MS: "15000" } });
  browser = await chromium.launchPersistentContext(tempDir("chromium-profile"), {
    executablePath: chromiumPath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    viewport: { width: 1280, height: 900 },
  });
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await stopAll();
});

async function save(page: Page, name: string) {
  if (!screenshots) return;
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, name), fullPage: true });
}

const stateOf = (page: Page, worker: string) => page.getAttribute(`tr[data-worker="${worker}"]`, "data-state");

/** Every worker's state as the page shows it now. */
async function states(page: Page): Promise<Record<string, string | null>> {
  return Object.fromEntries(await Promise.all(allWorkers.map(async (worker) => [worker, await stateOf(page, worker)])));
}

describe("the gateway's pages in Chromium", () => {
  it("renders /docs with every operation, loading nothing from beyond 127.0.0.1", async () => {
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on("request", (request) => void requested.push(request.url()));
    await page.goto(`${mesh.url("gateway")}/docs`);
    const openApi = (await (await fetch(`${mesh.url("gateway")}/openapi.json`)).json()) as { paths: Record<string, object> };
    const operations = Object.values(openApi.paths).reduce((count, byMethod) => count + Object.keys(byMethod).length, 0);
    await page.waitForFunction((count) => document.querySelectorAll(".opblock").length === count, operations, { timeout: 30_000 });
    expect(await page.locator(".opblock-summary-path").allTextContents()).toContain("/api/orders");
    const away = requested.filter((url) => !/^(data:|blob:|http:\/\/127\.0\.0\.1:\d+\/)/.test(url));
    expect(away).toEqual([]);
    await save(page, "docs.png");
    await page.close();
  });

  it("answers /mesh without the admin key with 401", async () => {
    expect((await fetch(`${mesh.url("gateway")}/mesh`)).status).toBe(401);
    expect((await fetch(`${mesh.url("gateway")}/mesh/state.json`, { headers: adminHeaders() })).status).toBe(200);
  });

  it("shows every worker up, then a SIGKILLed one down and the rest up, and a dead letter after a poison event", async () => {
    const page = await browser.newPage();
    await page.goto(`${mesh.url("gateway")}/mesh?key=${testAdminKey}`);
    expect(page.url()).toBe(`${mesh.url("gateway")}/mesh`);
    expect(
      Object.values(await states(page)).every((state) => state === "up"),
      JSON.stringify(await states(page)),
    ).toBe(true);

    await mesh.stop("payments", "SIGKILL");
    // The page refreshes itself: wait for it, not for a fixed time.
    await page.waitForSelector('tr[data-worker="payments"][data-state="down"]', { timeout: 30_000 });
    const after = await states(page);
    expect(
      Object.entries(after)
        .filter(([worker]) => worker !== "payments")
        .every(([, state]) => state === "up"),
      JSON.stringify(after),
    ).toBe(true);

    await publishPoison();
    await page.waitForSelector('#consumers tr.dead td:nth-child(2):text("reporting-orders")', { timeout: 30_000 });
    await save(page, "mesh.png");
    await page.close();
  });
});

/** A message on orders' stream that is not JSON: reporting's consumer dead-letters it at once. */
async function publishPoison() {
  const nc = await connect({ servers: natsUrl });
  await nc.jetstream().publish("orders.order.confirmed", new TextEncoder().encode("not json {"), { msgID: newId() });
  await nc.close();
}
