/**
 * The process's own cost as metrics, under the names Prometheus' client libraries use, so any
 * scraper reads them: `process_resident_memory_bytes` (RSS) and `process_cpu_seconds_total`
 * (user + system CPU since start). Read at each scrape, nothing kept in between.
 *
 * @example observeProcess(meterProvider.getMeter("bunmesh"));
 */
import type { Meter } from "@opentelemetry/api";

export function observeProcess(meter: Meter): void {
  const rss = meter.createObservableGauge("process.resident_memory.bytes", { description: "Resident set size of the process", unit: "By" });
  const cpu = meter.createObservableCounter("process.cpu.seconds", { description: "User and system CPU time the process has used", unit: "s" });
  meter.addBatchObservableCallback(
    (result) => {
      const used = process.cpuUsage();
      result.observe(rss, process.memoryUsage.rss());
      result.observe(cpu, (used.user + used.system) / 1e6);
    },
    [rss, cpu],
  );
}
