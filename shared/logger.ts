/**
 * Structured JSON logs (pino), one logger per worker process, passed in as a dependency.
 * Fields that may hold secrets or personal data are redacted at the source.
 *
 * @example const logger = createLogger({ worker: "users", level: "info" });
 */
import { pino, type Logger as PinoLogger, type DestinationStream } from "pino";

export type Logger = PinoLogger;

export const redactedPaths = [
  "password",
  "token",
  "authorization",
  "apiKey",
  "secret",
  "*.password",
  "*.token",
  "*.authorization",
  "*.apiKey",
  "*.secret",
  "*.email",
  "headers.authorization",
  "req.headers.authorization",
];

export function createLogger(options: { worker: string; level?: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { worker: options.worker },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactedPaths, censor: "[redacted]" },
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}
