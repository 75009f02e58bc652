/**
 * Parses Prometheus text exposition (what every worker's `/metrics` serves), strictly: a line that
 * is not a comment, blank, or `name{labels} value [timestamp]` throws, so a scraper notices a
 * broken endpoint rather than charting half of it. The mesh's metric scraper and the tests use it.
 *
 * @example parsePrometheusText('up{job="users"} 1') // [{ name: "up", labels: { job: "users" }, value: 1 }]
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/gy;
const commentLine = /^#\s+(HELP|TYPE|UNIT)\s+[a-zA-Z_:][a-zA-Z0-9_:]*(\s.*)?$|^#.*$/;

function parseValue(text: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`not a sample value: ${text}`);
  return value;
}

export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const [i, line] of text.split("\n").entries()) {
    if (line.trim() === "" || commentLine.test(line)) continue;
    const match = sampleLine.exec(line);
    if (!match) throw new Error(`line ${i + 1} is not Prometheus text: ${line}`);
    const labels: Record<string, string> = {};
    const body = match[2] ?? "";
    labelPair.lastIndex = 0;
    let consumed = 0;
    for (let pair = labelPair.exec(body); pair; pair = labelPair.exec(body)) {
      labels[pair[1]!] = pair[2]!.replace(/\\"/g, '"').replace(/\\n/g, "\n").replace(/\\\\/g, "\\");
      consumed = labelPair.lastIndex;
    }
    if (consumed !== body.length) throw new Error(`line ${i + 1} has malformed labels: ${line}`);
    samples.push({ name: match[1]!, labels, value: parseValue(match[3]!) });
  }
  return samples;
}

/** Sum of the samples named `name` whose labels include `labels` (0 when none). */
export function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
}
