/**
 * Durations and sizes as operators write them in the environment (`90s`, `15m`, `24h`, `7d`;
 * `512MB`, `1GB`), and the zod settings that parse them, so every bad value is named with the
 * others at start-up (parseConfig).
 *
 * @example
 *   parseInterval("7d"); // 604_800_000
 *   z.object({ STREAM_MAX_AGE: durationSetting("30d", { atLeast: "2m" }) }).parse({}); // { STREAM_MAX_AGE: 2_592_000_000 }
 */
import { z } from "zod";

const units = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const byteUnits = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4 } as const;

/** `90s`, `15m`, `1h`, `7d` or plain milliseconds. */
export function parseInterval(value: string): number {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(value.trim());
  if (!match) throw new Error(`not an interval: ${JSON.stringify(value)} (use e.g. 30s, 15m, 1h, 7d)`);
  return Number(match[1]) * units[(match[2] ?? "ms") as keyof typeof units];
}

/** `512MB`, `1GB` (binary units, case ignored) or plain bytes. */
export function parseByteSize(value: string): number {
  const match = /^(\d+)\s*(b|kb|mb|gb|tb)?$/i.exec(value.trim());
  if (!match) throw new Error(`not a size: ${JSON.stringify(value)} (use e.g. 512MB, 1GB)`);
  return Number(match[1]) * byteUnits[(match[2] ?? "b").toLowerCase() as keyof typeof byteUnits];
}

/** A parsed string value, at least `atLeast` (same notation); a bad value is an issue naming why. */
function parsedValue(parse: (value: string) => number, atLeast: string, describe: string) {
  const minimum = parse(atLeast);
  return z.string().transform((value, context) => {
    try {
      const parsed = parse(value);
      if (parsed >= minimum && parsed > 0) return parsed;
      context.addIssue({ code: "custom", message: `must be at least ${atLeast} (${describe})` });
    } catch (error) {
      context.addIssue({ code: "custom", message: (error as Error).message });
    }
    return z.NEVER;
  });
}

/** The same with a default (in the same notation) when unset. */
const parsedSetting = (parse: (value: string) => number, fallback: string, atLeast: string, describe: string) => parsedValue(parse, atLeast, describe).default(parse(fallback));

/** A duration value with no default (ms once parsed), never below `atLeast`: for a setting whose absence means "none". */
export const durationValue = (options: { atLeast?: string } = {}) => parsedValue(parseInterval, options.atLeast ?? "1ms", "e.g. 30s, 15m, 1h, 7d");

/** A duration variable (ms once parsed), default `fallback`, never below `atLeast`. */
export const durationSetting = (fallback: string, options: { atLeast?: string } = {}) => parsedSetting(parseInterval, fallback, options.atLeast ?? "1ms", "e.g. 30s, 15m, 1h, 7d");

/** A size variable (bytes once parsed), default `fallback`, never below `atLeast`. */
export const byteSizeSetting = (fallback: string, options: { atLeast?: string } = {}) => parsedSetting(parseByteSize, fallback, options.atLeast ?? "1", "e.g. 512MB, 1GB");
