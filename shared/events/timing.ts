/**
 * Waiting in the event loops: exponential backoff with jitter, and a sleep that a new outbox row
 * (wake) or a stop (interrupt) ends early.
 */
export interface BackoffSettings {
  initialMs?: number;
  maxMs?: number;
}

/** Delay before retry number `attempt` (1-based): initial·2^(attempt-1), capped, ±20% jitter. */
export function backoffDelay(attempt: number, settings: BackoffSettings = {}): number {
  const initial = settings.initialMs ?? 200;
  const max = settings.maxMs ?? 5000;
  const base = Math.min(max, initial * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

export interface Sleeper {
  /** Sleeps up to `ms`; a wakeable sleep also ends on wake(). A wake() while not asleep is remembered. */
  sleep(ms: number, options: { wakeable: boolean }): Promise<void>;
  wake(): void;
  /** Forgets a remembered wake (call right before reading the work queue). */
  clearWake(): void;
  /** Ends any sleep now (stop). */
  interrupt(): void;
}

export function createSleeper(): Sleeper {
  let woken = false;
  let end: (() => void) | undefined;
  let endIfWakeable: (() => void) | undefined;
  return {
    sleep(ms, { wakeable }) {
      if (wakeable && woken) {
        woken = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          end = endIfWakeable = undefined;
          resolve();
        };
        const timer = setTimeout(done, ms);
        end = done;
        if (wakeable) endIfWakeable = done;
      });
    },
    wake() {
      if (endIfWakeable) endIfWakeable();
      else woken = true;
    },
    clearWake() {
      woken = false;
    },
    interrupt() {
      end?.();
    },
  };
}
