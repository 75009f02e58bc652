/**
 * `npm run mesh -- trace <correlation id | order id | trace id> [--json] [--url URL]`: a flow's
 * waterfall in the terminal, from the mesh's own trace store (the telemetry process the launcher
 * runs: its URL from --url, TELEMETRY_URL, or DATA_DIR/mesh.json). A 32-hex-digit id is taken as
 * a trace id; anything else is looked up as a correlation id, then as an order id. Exit 0 when
 * found, 1 when not (or the store does not answer), 2 on bad usage.
 */
import { traceQueryOf, type TraceDetail, type TraceFilter } from "../../telemetry/trace-query";
import { readMeshSettings } from "./settings";
import { readMeshState } from "./state";
import { operatorHeaders, operatorIdentity } from "./secrets";
import { printTraceDetail } from "./trace-print";

export const summary = "print a flow's waterfall from the mesh's trace store (trace <correlation id | order id | trace id> [--json] [--url URL])";

const usage = "usage: npm run mesh -- trace <correlation id | order id | trace id> [--json] [--url http://127.0.0.1:4110]";

function parseArgs(args: string[]): { id: string; json: boolean; url?: string } | null {
  const rest = [...args];
  const json = rest.includes("--json");
  const urlAt = rest.indexOf("--url");
  const url = urlAt >= 0 ? rest[urlAt + 1] : undefined;
  if (urlAt >= 0 && !url) return null;
  const ids = rest.filter((arg, index) => arg !== "--json" && (urlAt < 0 || (index !== urlAt && index !== urlAt + 1)));
  if (ids.length !== 1 || ids[0]!.startsWith("--")) return null;
  return { id: ids[0]!, json, ...(url ? { url } : {}) };
}

/** The filters to try in turn for one id. */
function lookupsOf(id: string): TraceFilter[] {
  return /^[0-9a-f]{32}$/.test(id) ? [{ traceId: id }] : [{ correlationId: id }, { orderId: id }];
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseArgs(args);
  if (!parsed) return (process.stderr.write(`${usage}\n`), 2);
  const { dataDir } = readMeshSettings(process.env);
  const url = (parsed.url ?? process.env["TELEMETRY_URL"] ?? readMeshState(dataDir)?.telemetry?.url)?.replace(/\/+$/, "");
  if (!url) return (process.stderr.write(`no trace store found: no --url, no TELEMETRY_URL, and no running mesh in ${dataDir} (start one with npm start)\n`), 1);
  const headers = await operatorHeaders(operatorIdentity(dataDir, process.env), "telemetry");
  for (const filter of lookupsOf(parsed.id)) {
    let answer: Response;
    try {
      answer = await fetch(`${url}/traces/spans?${traceQueryOf(filter)}`, { headers, signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      return (process.stderr.write(`the trace store at ${url} does not answer: ${(error as Error).message}\n`), 1);
    }
    if (!answer.ok) return (process.stderr.write(`the trace store at ${url} answered ${answer.status}: ${await answer.text()}\n`), 1);
    const detail = (await answer.json()) as TraceDetail;
    if (detail.traces.length === 0) continue;
    const lines = parsed.json
      ? [JSON.stringify(detail, null, 2)]
      : printTraceDetail(detail, { width: process.stdout.columns || 120, colour: Boolean(process.stdout.isTTY) && !process.env["NO_COLOR"] });
    process.stdout.write(`${lines.join("\n")}\n`);
    return 0;
  }
  process.stderr.write(
    `no trace of ${parsed.id} in the store at ${url} (as ${lookupsOf(parsed.id)
      .map((f) => Object.keys(f)[0])
      .join(" or ")}); it may not have arrived yet, been pruned, or not been sampled\n`,
  );
  return 1;
}
