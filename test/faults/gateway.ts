/** How the fault suite's clients talk to the gateway: one call, and a call retried through outages as a real client would. */
import { adminHeaders } from "../support/processes";

export interface Answer {
  status: number;
  body: any;
}

export type GatewayCall = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Answer>;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One request to the gateway at `baseUrl()` (the same port across restarts). */
export function gatewayCaller(baseUrl: () => string): GatewayCall {
  return async (method, path, body, headers = {}) => {
    const response = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: { "content-type": "application/json", ...adminHeaders(), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    return { status: response.status, body: (await response.json().catch(() => ({}))) as any };
  };
}

/** Retries through outages until the mesh answers below 500 (the caller keeps the same Idempotency-Key). */
export async function untilAnswered(call: () => Promise<Answer>, what: string): Promise<Answer> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const result = await call().catch(() => ({ status: 0, body: {} }));
    if (result.status > 0 && result.status < 500) return result;
    if (Date.now() > deadline) throw new Error(`${what}: no answer in 2 minutes (last ${result.status} ${JSON.stringify(result.body)})`);
    await sleep(200);
  }
}
