/**
 * The mesh's own traces and charts, as a person meets them: the launcher (`npm start`'s path,
 * shared/mesh/cli.ts up) with no OTLP endpoint set runs the telemetry process beside the workers;
 * an order placed through the gateway is found on /mesh/traces by its correlation id in a real
 * headless Chromium, and its waterfall holds the spans of at least six workers, the consumers
 * that handled its events included; `mesh trace` prints the same flow in a terminal. After a short
 * load every chart on /mesh has points, and a SIGKILLed worker shows on its charts.
 * With UPDATE_SCREENSHOTS=1 it saves test/screenshots/{traces,waterfall,charts}.png for the README.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { seriesMetrics } from "../telemetry/series-view";
import {
  adminHeaders,
  bunBin,
  freePort,
  freePortBase,
  repoRoot,
  runToEnd,
  startLauncher,
  startNats,
  stopAll,
  tempDir,
  testAdminKey,
  waitFor,
  type RunningProcess,
} from "./support/processes";

const chromiumPath = "/usr/bin/chromium";
const screenshots = process.env["UPDATE_SCREENSHOTS"] === "1" ? join(repoRoot, "test", "screenshots") : null;
const correlationId = `browser-order-${Date.now()}`;
let launcher: RunningProcess;
let browser: BrowserContext;
let dataDir: string;
let gatewayUrl: string;

beforeAll(async () => {
  expect(existsSync(chromiumPath), `${chromiumPath} (apt-get install chromium)`).toBe(true);
  const nats = await startNats();
  dataDir = tempDir("traces-browser");
  const gatewayPort = await freePort();
  gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  launcher = startLauncher([], {
    DATA_DIR: dataDir,
    NATS_URL: nats.url,
    MESH_PORT_BASE: String(await freePortBase()),
    GATEWAY_PORT: String(gatewayPort),
    // No OTLP endpoint: the embedded store is the default. Short batches and scrapes, so the test waits seconds, not minutes.
    OTEL_EXPORTER_OTLP_ENDPOINT: "",
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
    OTEL_BSP_SCHEDULE_DELAY: "200",
    SCRAPE_INTERVAL: "1s",
    PEER_TIMEOUT_MS: "15000",
    ORDER_PLACE_TIMEOUT_MS: "30000",
  });
  await Promise.race([
    waitFor("mesh ready", async () => (launcher.output().includes("mesh ready") ? true : undefined), 90_000),
    launcher.exited.then((code) => {
      throw new Error(`launcher exited ${code}:\n${launcher.output()}`);
    }),
  ]);
  browser = await chromium.launchPersistentContext(tempDir("chromium-traces"), {
    executablePath: chromiumPath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    viewport: { width: 1440, height: 1000 },
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (launcher) expect(await launcher.kill("SIGTERM")).toBe(0);
  await stopAll();
});

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const answer = await fetch(`${gatewayUrl}${path}`, {
    method,
    headers: { "content-type": "application/json", ...adminHeaders(), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: answer.status, body: (await answer.json()) as any };
}

/** A customer with credit and a product with stock, then an order: every worker gets requests. */
async function placeOrder(): Promise<string> {
  const user = await api("POST", "/api/users", { email: `${correlationId}@traces.io`, name: "Tracy" });
  const product = await api("POST", "/api/products", { sku: `SKU-${correlationId}`, name: "Traced lamp", priceCents: 1500 });
  expect([user.status, product.status]).toEqual([201, 201]);
  expect((await api("PUT", `/api/inventory/${product.body.id}`, { onHand: 50 })).status).toBe(200);
  expect((await api("PUT", `/api/customers/${user.body.id}/credit`, { limitCents: 1_000_000 })).status).toBe(200);
  const placed = await api("POST", "/api/orders", { customerId: user.body.id, items: [{ productId: product.body.id, quantity: 1 }] }, { "x-correlation-id": correlationId });
  expect(placed.body).toMatchObject({ status: "CONFIRMED", correlationId });
  for (let n = 0; n < 5; n++) expect((await api("POST", "/api/orders", { customerId: user.body.id, items: [{ productId: product.body.id, quantity: 1 }] })).status).toBe(201);
  expect((await api("GET", "/api/reports/sales")).status).toBe(200);
  return placed.body.id as string;
}

async function save(page: Page, name: string) {
  if (!screenshots) return;
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, name), fullPage: true });
}

/** The waterfall's services, and those of its consumer spans, as the page shows them. */
const waterfallServices = (page: Page) =>
  page.evaluate(() => {
    const rows = Array.from(document.querySelectorAll<HTMLElement>("#waterfall details.span"));
    const of = (list: HTMLElement[]) => [...new Set(list.map((row) => row.dataset["service"]!))].sort();
    return { all: of(rows), consumers: of(rows.filter((row) => row.dataset["hop"] === "consume")) };
  });

describe("the mesh's own traces and charts, with no Jaeger", () => {
  let orderId: string;

  it("finds an order's trace by its correlation id on /mesh/traces and shows its waterfall across six workers, consumers included", async () => {
    orderId = await placeOrder();
    const page = await browser.newPage();
    await page.goto(`${gatewayUrl}/mesh?key=${testAdminKey}`);
    await page.goto(`${gatewayUrl}/mesh/traces`);
    await page.fill('input[name="correlationId"]', correlationId);
    await page.click('form#filters button[type="submit"]');
    await page.waitForSelector("#traces tr[data-trace-id] a", { timeout: 30_000 });
    expect(await page.locator("#traces tr[data-trace-id]").count()).toBe(1);
    await save(page, "traces.png");
    await page.click("#traces tr[data-trace-id] a");
    await page.waitForSelector("#waterfall");
    // The relay and the consumers run after the answer: their spans arrive later. Reload until they are there.
    const seen = await waitFor(
      "consumer spans in the waterfall",
      async () => {
        const services = await waterfallServices(page);
        if (services.all.length >= 6 && services.consumers.includes("reporting") && services.consumers.includes("catalog")) return services;
        await page.reload();
        return undefined;
      },
      60_000,
    );
    expect(seen.all).toEqual(expect.arrayContaining(["gateway", "orders", "inventory", "payments", "catalog", "reporting"]));
    const hops = await page.$$eval("#waterfall details.span", (rows) => [...new Set(rows.map((row) => (row as HTMLElement).dataset["hop"]))]);
    expect(hops).toEqual(expect.arrayContaining(["http", "trpc", "db", "saga", "publish", "consume"]));
    // A span opens on its attributes.
    await page.click('#waterfall details.span[data-hop="saga"] summary');
    expect(await page.textContent('#waterfall details.span[data-hop="saga"][open] .attributes')).toContain(orderId);
    await save(page, "waterfall.png");
    await page.close();
  });

  it("gives the same trace as JSON and in the terminal (mesh trace)", async () => {
    const json = await api("GET", `/mesh/traces.json?orderId=${orderId}`);
    expect(json.body.traces).toHaveLength(1);
    const services = new Set((json.body.spans as { service: string }[]).map((span) => span.service));
    expect(services.size).toBeGreaterThanOrEqual(6);
    const printed = await runToEnd(bunBin, ["run", "shared/mesh/cli.ts", "trace", correlationId], { DATA_DIR: dataDir });
    expect(printed.code, printed.output).toBe(0);
    expect(printed.output).toMatch(/trace [0-9a-f]{32}: \d+ spans, \d+ services/);
    for (const line of [/gateway +http POST \/api\/orders /, /orders +saga saga\.step reserve /, /reporting +sub orders\.order\.confirmed process /])
      expect(printed.output).toMatch(line);
  });

  it("draws every chart with points after a short load, and marks a SIGKILLed worker on its charts", async () => {
    const page = await browser.newPage();
    await page.goto(`${gatewayUrl}/mesh`);
    const series = (await api("GET", "/mesh/series.json")).body as { series: { worker: string; metric: string }[] };
    const charted = await waitFor(
      "points on every chart the series have",
      async () => {
        const cells = await page.$$eval("#charts [data-chart]", (nodes) =>
          nodes.map((node) => [(node as HTMLElement).dataset["chart"], Number((node as HTMLElement).dataset["points"])] as const),
        );
        const points = new Map(cells);
        const expected = [...new Set(series.series.map((column) => `${column.worker}:${seriesMetrics[column.metric]?.chart ?? column.metric}`))];
        return expected.length > 0 && expected.every((chart) => (points.get(chart) ?? 0) > 0) ? expected : undefined;
      },
      60_000,
    );
    for (const chart of ["mesh:orders", "gateway:requests", "orders:latency", "payments:cpu", "payments:rss", "orders:outbox", "reporting:consumers"]) expect(charted).toContain(chart);
    await save(page, "charts.png");

    const state = JSON.parse(readFileSync(join(dataDir, "mesh.json"), "utf8")) as { workers: { name: string; pid: number }[] };
    process.kill(state.workers.find((worker) => worker.name === "payments")!.pid, "SIGKILL");
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('[data-chart="payments:cpu"]')?.dataset["marks"] ?? 0) > 0, undefined, { timeout: 60_000 });
    expect(Number(await page.getAttribute('[data-chart="payments:rss"]', "data-marks"))).toBeGreaterThan(0);
    expect(Number(await page.getAttribute('[data-chart="users:cpu"]', "data-marks"))).toBe(0);
    await page.close();
  });
});
