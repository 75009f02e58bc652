/**
 * A worker's JSON log line as a person reads it in a terminal: time, level, worker, message,
 * correlation ID, then the line's other fields compactly. The launcher uses it when its stdout is
 * a terminal and LOG_FORMAT is not `json`; anything that is not a JSON log line passes unchanged.
 *
 * @example prettyLogLine('{"level":"info","time":"2026-12-01T10:00:00.000Z","worker":"users","msg":"users ready"}', false)
 *   // "10:00:00.000 INFO  users users ready"
 */

/** Fields shown in their own place, or noise in a terminal (trace IDs are for Jaeger, pid/hostname for machines). */
const shownApart = new Set(["level", "time", "worker", "msg", "correlationId", "pid", "hostname", "trace_id", "span_id", "trace_flags"]);

const levelColours: Record<string, number> = { trace: 90, debug: 90, info: 32, warn: 33, error: 31, fatal: 35 };

/** pino's numeric levels, for lines written without the label formatter. */
const levelNames: Record<number, string> = { 10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal" };

function parsed(line: string): Record<string, unknown> | null {
  if (!line.startsWith("{")) return null;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null && "msg" in value && "level" in value ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** `HH:MM:SS.mmm` of an ISO or epoch-millisecond time, local to the machine reading it. */
function clock(time: unknown): string {
  const date = new Date(typeof time === "number" || typeof time === "string" ? time : Date.now());
  if (Number.isNaN(date.getTime())) return String(time);
  const pad = (value: number, width = 2) => String(value).padStart(width, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** `label`: the worker the launcher's prefix already names, so the line does not repeat it. */
export function prettyLogLine(line: string, colour: boolean, label?: string): string {
  const entry = parsed(line);
  if (!entry) return line;
  const level = typeof entry["level"] === "number" ? (levelNames[entry["level"]] ?? String(entry["level"])) : String(entry["level"]);
  const paint = (code: number | undefined, text: string) => (colour && code !== undefined ? `\x1b[${code}m${text}\x1b[0m` : text);
  const rest = Object.entries(entry).filter(([key]) => !shownApart.has(key));
  const parts = [
    paint(90, clock(entry["time"])),
    paint(levelColours[level], level.toUpperCase().padEnd(5)),
    ...(entry["worker"] !== undefined && entry["worker"] !== label ? [String(entry["worker"])] : []),
    String(entry["msg"]),
    ...(entry["correlationId"] !== undefined ? [paint(36, `corr=${String(entry["correlationId"])}`)] : []),
    ...rest.map(([key, value]) => paint(90, `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)),
  ];
  return parts.join(" ");
}
