/**
 * The OpenTelemetry context manager of the mesh: the active context kept in AsyncLocalStorage,
 * which works under Bun and Node alike. Written here (a few lines) rather than taken from
 * @opentelemetry/context-async-hooks, which is only a transitive dependency.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { ROOT_CONTEXT, type Context, type ContextManager } from "@opentelemetry/api";

export class AsyncLocalStorageContextManager implements ContextManager {
  private storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const call = thisArg == null ? fn : fn.bind(thisArg);
    return this.storage.run(context, call as (...a: A) => ReturnType<F>, ...args);
  }

  /** Binds functions to `context`; other targets (event emitters) are returned as they are. */
  bind<T>(context: Context, target: T): T {
    if (typeof target !== "function") return target;
    const manager = this;
    const fn = target as unknown as (...args: unknown[]) => unknown;
    return function (this: unknown, ...args: unknown[]) {
      return manager.with(context, () => fn.apply(this, args));
    } as unknown as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.storage.disable();
    return this;
  }
}
