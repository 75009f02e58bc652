/**
 * The process's `/metrics` text: startTelemetry registers how to render it, and every worker's
 * `/metrics` route asks here (unless its createWorker options pass their own), so no worker
 * needs code for it. Nothing registered (an in-process test) = no metrics to serve.
 *
 * @example const render = processMetricsText(); if (render) body = await render();
 */
let render: (() => Promise<string>) | undefined;

export function serveProcessMetrics(metricsText: (() => Promise<string>) | undefined): void {
  render = metricsText;
}

export function processMetricsText(): (() => Promise<string>) | undefined {
  return render;
}

/** Prometheus text exposition format, the one every scraper reads. */
export const prometheusContentType = "text/plain; version=0.0.4; charset=utf-8";
