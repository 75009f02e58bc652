/**
 * The loop the relay and the consumers run: one pass after another until stopped, quiet while
 * the worker's first NATS connect is under way, backing off after failed passes.
 *
 * @example
 *   running = runRetryLoop({ stopped: () => stopped, sleeper, nats, pass: publishOnce, failed: recordError });
 */
import { awaitingFirstConnect, type NatsConnectionProvider } from "./nats";
import { backoffDelay, type BackoffSettings, type Sleeper } from "./timing";

export interface RetryLoop {
  stopped(): boolean;
  /** Slept on between failed passes; stop() interrupts it. */
  sleeper: Sleeper;
  nats: NatsConnectionProvider;
  backoff?: BackoffSettings;
  /**
   * One pass of the loop's work; throws when it cannot go on. It calls `succeeded()` once it is
   * working again, which answers how many passes had failed in a row before and resets that count.
   */
  pass(succeeded: () => number): Promise<void>;
  /**
   * A pass threw. `failures`: passes that failed in a row before this one (0: the first, worth a
   * warning); `firstConnect`: the worker's first connect is still under way (the normal start-up
   * race, not an outage). Answers "stop" to end the loop at once.
   */
  failed(error: unknown, failure: { failures: number; firstConnect: boolean }): "stop" | void;
}

export async function runRetryLoop(loop: RetryLoop): Promise<void> {
  const startedAt = Date.now();
  let failures = 0;
  const succeeded = () => {
    const before = failures;
    failures = 0;
    return before;
  };
  while (!loop.stopped()) {
    try {
      await loop.pass(succeeded);
    } catch (error) {
      const firstConnect = awaitingFirstConnect(loop.nats, startedAt);
      if (loop.failed(error, { failures, firstConnect }) === "stop") break;
      // The first connect is still under way at start-up: wait quietly, without counting a failure.
      if (firstConnect) {
        await loop.sleeper.sleep(50, { wakeable: false });
        continue;
      }
      failures += 1;
      await loop.sleeper.sleep(backoffDelay(failures, loop.backoff), { wakeable: false });
    }
  }
}
