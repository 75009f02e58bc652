/**
 * The gateway's reads of the telemetry process (shared/mesh/telemetry/api.ts): a page of traces,
 * whole traces with their spans, the charts' series. The gateway keeps no trace data of its own:
 * it is stateless and may run as several replicas, while the store is one process owning one
 * SQLite file, so every replica reads the same traces through its HTTP API (with a service token
 * for `telemetry`). Not configured, unreachable or failing, a read is a PEER_UNAVAILABLE naming why.
 *
 * @example
 *   const reader = telemetryReader(deps);
 *   const page = await reader.page({ correlationId: "my-order-1" }); // { traces: [...], nextBefore: null }
 */
import { DomainError } from "../../shared/core/errors";
import { traceQueryOf, type TraceDetail, type TraceFilter, type TracePage } from "../../telemetry/trace-query";
import type { SeriesJson } from "../../telemetry/series-view";
import type { GatewayDeps } from "./deps";

export interface TelemetryReader {
  page(filter: TraceFilter): Promise<TracePage>;
  detail(filter: TraceFilter): Promise<TraceDetail>;
  series(): Promise<SeriesJson>;
}

const readTimeoutMs = 5_000;

export function telemetryReader(deps: Pick<GatewayDeps, "telemetryUrl" | "identity" | "fetch">): TelemetryReader {
  const fetch = deps.fetch ?? globalThis.fetch;
  const headers = deps.identity?.headersFor("telemetry");
  const read = async <T>(path: string): Promise<T> => {
    if (!deps.telemetryUrl) throw new DomainError("PEER_UNAVAILABLE", "no telemetry process configured (TELEMETRY_URL; the launcher sets it)");
    let answer: Response;
    try {
      answer = await fetch(`${deps.telemetryUrl}${path}`, { headers: (await headers?.()) ?? {}, signal: AbortSignal.timeout(readTimeoutMs) });
    } catch (error) {
      throw new DomainError("PEER_UNAVAILABLE", `telemetry at ${deps.telemetryUrl} did not answer: ${(error as Error).message}`, undefined, { cause: error });
    }
    const body = (await answer.json().catch(() => null)) as { error?: { message?: string } } | null;
    if (answer.status === 400) throw new DomainError("BAD_INPUT", body?.error?.message ?? "invalid query");
    if (!answer.ok) throw new DomainError("PEER_UNAVAILABLE", `telemetry answered ${answer.status}: ${body?.error?.message ?? "no reason given"}`);
    return body as T;
  };
  return {
    page: (filter) => read(`/traces?${traceQueryOf(filter)}`),
    detail: (filter) => read(`/traces/spans?${traceQueryOf(filter)}`),
    series: () => read("/series"),
  };
}
