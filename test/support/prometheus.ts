/**
 * Reads Prometheus text in tests through the mesh's own strict parser (telemetry/prometheus-text.ts),
 * so a test that parses also checks the format.
 *
 * @example sampleValue(parsePrometheusText(text), "http_server_request_duration_count", { http_route: "/trpc/register" })
 */
import { parsePrometheusText, type Sample } from "../../telemetry/prometheus-text";

export { parsePrometheusText, sampleValue, type Sample } from "../../telemetry/prometheus-text";

export async function scrapeMetrics(url: string): Promise<Sample[]> {
  const res = await fetch(`${url}/metrics`);
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
  return parsePrometheusText(await res.text());
}
