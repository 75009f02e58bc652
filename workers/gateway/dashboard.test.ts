/**
 * The mesh dashboard on an in-process gateway whose peers answer: the admin key is required (401
 * in the error shape without it), `?key=` becomes an HttpOnly cookie, a worker that does not
 * answer is listed down while the others are shown, and the topology is drawn from what the
 * workers report (their peers and the streams they consume).
 */
import { describe, expect, it } from "vitest";
import { createGatewayWorker } from "./worker";
import { createPeerClient } from "../../shared/rpc/peer-client";
import type { OrdersRouter } from "../orders/router";
import { createAnsweringPeers } from "../../test/support/answering-peers";
import { sampleOrder, sampleSaga } from "../../test/support/sample-answers";

const adminApiKey = "dashboard-admin-key-0123456789";
const health: Record<string, Record<string, unknown>> = {
  orders: {
    worker: "orders",
    ready: true,
    process: { pid: 42, uptimeS: 7, version: "0.1.0" },
    peers: ["inventory", "payments"],
    outbox: { pending: 0 },
    breakers: { inventory: "closed", payments: "open" },
  },
  reporting: {
    worker: "reporting",
    ready: true,
    process: { pid: 43, uptimeS: 8, version: "0.1.0" },
    consumes: [{ owner: "orders", durable: "reporting-orders" }],
    consumers: { "reporting-orders": { handled: 3, failed: 1, deadLettered: 1, pending: 17, consuming: true } },
  },
  shipping: { worker: "shipping", ready: true, process: { pid: 44, uptimeS: 9, version: "0.1.0" } },
};

/** orders' answers about its sagas: one needing attention, and its order's correlation ID. */
const ordersAnswers: Record<string, unknown> = {
  "/trpc/sagas": {
    items: [{ ...sampleSaga, orderId: "o-stuck", state: "CAPTURING", step: "CAPTURING", attempts: 4, lastError: "payments unavailable", updatedAt: "2026-12-01T10:00:00.000Z" }],
    nextCursor: null,
  },
  "/trpc/get": { ...sampleOrder, id: "o-stuck", correlationId: "corr-stuck" },
};

function gatewayWith(jaegerUiUrl: string | null = null, findWorkers?: () => Promise<{ name: string; url: string }[]>) {
  const answering = createAnsweringPeers(adminApiKey);
  const fetch = Object.assign(
    async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const url = new URL(String(input));
      const name = url.hostname.replace(/\.test$/, "");
      if (url.pathname === "/health/ready") return health[name] ? Response.json(health[name]) : Promise.reject(new Error("connection refused"));
      if (name === "orders" && ordersAnswers[url.pathname]) return Response.json({ result: { data: ordersAnswers[url.pathname] } });
      return answering.deps.fetch!(String(input), init);
    },
    { preconnect: globalThis.fetch.preconnect },
  );
  // orders' client answers through this fetch too (the helper's clients answer everything alike).
  const orders = createPeerClient<OrdersRouter>({ self: "gateway", peer: "orders", url: "http://orders.test", maxAttempts: 1, fetch }).client;
  const healthTargets = ["users", "orders", "reporting"].map((name) => ({ name, url: `http://${name}.test` }));
  const breakers = () => ({ users: "open", orders: "closed" });
  return createGatewayWorker({ ...answering.deps, peers: { ...answering.deps.peers, orders }, fetch, healthTargets, jaegerUiUrl, breakers, ...(findWorkers ? { findWorkers } : {}) });
}

const bearer = { authorization: `Bearer ${adminApiKey}` };

describe("GET /mesh", () => {
  it("answers 401 in the error shape without the admin key, on the page and its JSON", async () => {
    const gateway = gatewayWith();
    for (const path of ["/mesh", "/mesh/state.json", "/mesh/panel", "/mesh?key=wrong"]) {
      const answer = await gateway.app.request(path);
      expect(answer.status, path).toBe(401);
      expect(await answer.json(), path).toMatchObject({ error: { code: "UNAUTHENTICATED" } });
    }
  });

  it("turns ?key= into an HttpOnly cookie and a redirect without the key, and the cookie opens the page", async () => {
    const gateway = gatewayWith();
    const login = await gateway.app.request(`/mesh?key=${adminApiKey}`);
    expect(login.status).toBe(303);
    expect(login.headers.get("location")).toBe("/mesh");
    const cookie = login.headers.get("set-cookie")!;
    expect(cookie).toMatch(/HttpOnly/i);
    const page = await gateway.app.request("/mesh", { headers: { cookie: cookie.split(";")[0]! } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("/mesh/assets/refresh.js");
  });

  it("lists every worker, a silent one as down, with what the others report", async () => {
    const state = (await (await gatewayWith().app.request("/mesh/state.json", { headers: bearer })).json()) as {
      workers: { name: string; up: boolean; pid: number | null; peers: string[] }[];
    };
    expect(state.workers.map((worker) => [worker.name, worker.up])).toEqual([
      ["gateway", true],
      ["users", false],
      ["orders", true],
      ["reporting", true],
    ]);
    expect(state.workers.find((worker) => worker.name === "orders")).toMatchObject({ pid: 42, peers: ["inventory", "payments"] });
    expect(state.workers[0]!.peers).toContain("orders");
  });

  it("lists the workers on the bus it does not call too (a worker added with mesh new), each once, and only its peers when the bus cannot say", async () => {
    const onTheBus = async () => ["orders", "gateway", "tracking", "shipping", "shipping"].map((name) => ({ name, url: `http://${name}.test` }));
    const namesOf = async (gateway: ReturnType<typeof gatewayWith>) =>
      ((await (await gateway.app.request("/mesh/state.json", { headers: bearer })).json()) as { workers: { name: string; up: boolean }[] }).workers.map((worker) => [
        worker.name,
        worker.up,
      ]);
    expect(await namesOf(gatewayWith(null, onTheBus))).toEqual([
      ["gateway", true],
      ["users", false],
      ["orders", true],
      ["reporting", true],
      ["shipping", true],
      ["tracking", false],
    ]);
    const busDown = gatewayWith(null, () => Promise.reject(new Error("NATS is down")));
    expect((await namesOf(busDown)).map(([name]) => name)).toEqual(["gateway", "users", "orders", "reporting"]);
  });

  it("renders the workers' states, the dead letters and the topology's calls and event flows", async () => {
    const html = await (await gatewayWith().app.request("/mesh", { headers: bearer })).text();
    expect(html).toContain('data-worker="users" data-state="down"');
    expect(html).toContain('data-worker="orders" data-state="up"');
    expect(html).toMatch(/<tr class="dead"><td>reporting<\/td><td>reporting-orders<\/td><td>3<\/td><td>1<\/td><td>1<\/td><td>17 pending<\/td><td>–<\/td><td>yes<\/td>/);
    // Facts as a person reads them, never JSON.
    expect(html).toMatch(/data-worker="orders"[^\n]*<td>7 s<\/td><td>0\.1\.0<\/td><td><span class="">backlog 0, lag 0 ms<\/span><\/td>/);
    expect(html).toMatch(/data-worker="orders"[^\n]*<td>none yet<\/td>/);
    const panel = html.slice(html.indexOf('<div id="panel"'), html.indexOf('<section id="charts"'));
    expect(panel).not.toMatch(/\{&#34;|&#34;:/);
    expect(html).toContain('<span class="breaker open">users: open</span>');
    // orders' own breakers per peer, from its /health/ready
    expect(html).toMatch(/data-worker="orders"[^\n]*<span class="breaker open">payments: open<\/span>/);
    expect(html.match(/<line class="call"/g)?.length).toBeGreaterThanOrEqual(2);
    expect(html.match(/<line class="event"/g)?.length).toBe(1);
  });

  it("lists the sagas needing attention linked to their order's page and trace, and to Jaeger's search when JAEGER_UI_URL is set", async () => {
    const plain = await (await gatewayWith().app.request("/mesh", { headers: bearer })).text();
    const trace = '<a href="/mesh/traces?correlationId=corr-stuck">corr-stuck</a>';
    expect(plain).toContain(`<td><a href="/mesh/orders/o-stuck">o-stuck</a></td><td>CAPTURING</td><td>4</td><td>payments unavailable</td><td>${trace}</td>`);
    const linked = await (await gatewayWith("http://jaeger.test:16686").app.request("/mesh", { headers: bearer })).text();
    const search = `http://jaeger.test:16686/search?tags=${encodeURIComponent('{"correlation.id":"corr-stuck"}')}`;
    expect(linked).toContain(`${trace} (<a href="${search.replace(/&/g, "&#38;")}">Jaeger</a>)`);
  });
});
