/**
 * Sends the fuzz test's requests exactly as generated (node:http: no URL normalisation, any
 * header or body, no content type unless given) and judges each answer: a 4xx within the bound,
 * JSON with an error message, naming the bad field; a hang is cut off by a timeout.
 */
import { Agent, request } from "node:http";
import type { Expectation } from "./fuzz-objects";

export interface FuzzRequest {
  /** The route or procedure it exercises (`POST /api/users`, `trpc users.register`), for coverage. */
  covers: string;
  /** What is wrong with it, in words. */
  what: string;
  method: string;
  /** Path and query, already percent-encoded as they go on the wire. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  expect: Expectation;
}

export interface Answer {
  status: number;
  ms: number;
  contentType: string;
  text: string;
  /** Set when no answer came (timeout, connection error). */
  failure?: string;
  /** Sent again on a new connection after a kept-alive one was closed under it (see `send`). */
  retried?: boolean;
}

/** One pool per test run, so concurrency stays what the caller sends at once. */
export function createFuzzAgent(maxSockets: number): Agent {
  // A connection per request: a refusal answered before the body was read (413, 415, 401) can leave
  // the rest of that body on a kept-alive connection, and the next request sent on it then gets the
  // server's parse error (an empty 400, seen once in CI). Connection reuse is not what this tests.
  return new Agent({ keepAlive: false, maxSockets });
}

/**
 * Sends one request and reads the whole answer. A kept-alive connection the server closes as it
 * idles can fail the next request sent on it ("socket hang up") through no fault of the request:
 * such a request is sent once more on a new connection, where the same failure counts.
 */
export async function send(baseUrl: string, req: FuzzRequest, agent: Agent, timeoutMs: number): Promise<Answer> {
  const answer = await sendOnce(baseUrl, req, agent, timeoutMs);
  if (!answer.failure || !/socket hang up|ECONNRESET/.test(answer.failure)) return answer;
  return { ...(await sendOnce(baseUrl, req, false, timeoutMs)), retried: true };
}

function sendOnce(baseUrl: string, req: FuzzRequest, agent: Agent | false, timeoutMs: number): Promise<Answer> {
  const { hostname, port } = new URL(baseUrl);
  const started = performance.now();
  return new Promise((resolve) => {
    const done = (answer: Omit<Answer, "ms">) => resolve({ ...answer, ms: Math.round(performance.now() - started) });
    const outgoing = request({ host: hostname, port, method: req.method, path: req.path, headers: req.headers, agent, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => done({ status: res.statusCode ?? 0, contentType: String(res.headers["content-type"] ?? ""), text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", (error) => done({ status: 0, contentType: "", text: "", failure: String(error) }));
    });
    outgoing.on("error", (error) => done({ status: 0, contentType: "", text: "", failure: `${error.name}: ${error.message}` }));
    outgoing.end(req.body);
  });
}

/** The error message(s) of an answer: REST `{ error: { message } }`, tRPC the same or a batch array of them. */
function messageOf(body: unknown): string | undefined {
  const one = (item: unknown) => (item as { error?: { message?: unknown } } | null)?.error?.message;
  const messages = Array.isArray(body) ? body.map(one) : [one(body)];
  if (messages.length === 0 || !messages.every((m) => typeof m === "string" && m.length > 0)) return undefined;
  return messages.join(" | ");
}

/** What is wrong with an answer to a bad request, or undefined when it is as it should be. */
export function problemWith(req: FuzzRequest, answer: Answer, maxMs: number): string | undefined {
  if (answer.failure) return `no answer: ${answer.failure}`;
  if (answer.status < 400 || answer.status >= 500) return `answered ${answer.status}, not a 4xx`;
  const { statuses, named } = req.expect;
  if (statuses && !statuses.includes(answer.status)) return `answered ${answer.status}, expected ${statuses.join(" or ")}`;
  if (answer.ms > maxMs) return `answered after ${answer.ms} ms (bound ${maxMs} ms)`;
  if (!/json/i.test(answer.contentType)) return `answer is labelled ${answer.contentType || "with no content type"}, not JSON`;
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return "answer is not JSON";
  }
  const message = messageOf(body)?.toLowerCase();
  if (message === undefined) return "answer has no error message";
  if (answer.status === 415 && !message.includes("application/json")) return "415 does not name the expected type application/json";
  if (answer.status !== 400 || !named) return undefined;
  const unnamed = named.find((names) => !names.some((name) => message.includes(name.toLowerCase())));
  return unnamed ? `message does not name ${unnamed.join(" or ")}` : undefined;
}

const clip = (text: string, max = 400) => (text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text);

/** The request and its answer, for a failure report a reader can replay with curl. */
export function describeExchange(req: FuzzRequest, answer: Answer): string {
  const headers = Object.entries(req.headers).map(([name, value]) => `${name}: ${clip(value, 120)}`);
  const body = req.body === undefined ? "" : `\n  body: ${clip(JSON.stringify(req.body))}`;
  return `${req.method} ${clip(req.path, 300)} [${req.what}]\n  headers: ${headers.join("; ") || "(none)"}${body}\n  → ${answer.status} in ${answer.ms} ms (${answer.contentType}): ${clip(answer.text)}`;
}
