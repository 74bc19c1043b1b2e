import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Who a validation is for (a vendor, an administrator, a public client's address), so the pool can
 * share its workers fairly between clients. Carried with the request's async context rather than
 * through every call between the route and the pool: the domain in between does not need to know.
 */
const current = new AsyncLocalStorage<{ key: string }>();

/** Runs `fn` with validations counted for `key`. */
export function asValidationClient<T>(key: string, fn: () => T): T {
  return current.run({ key }, fn);
}

/** Names the client of the validations the current request starts from here on (e.g. once authenticated). */
export function setValidationClient(key: string): void {
  const store = current.getStore();
  if (store) store.key = key;
}

/** The client of the current request; undefined outside any request (the CLI, background work). */
export function validationClient(): string | undefined {
  return current.getStore()?.key;
}
