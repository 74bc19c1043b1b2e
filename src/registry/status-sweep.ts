import { SamsvarError } from '../core/samsvar-error.js';

export const DEFAULT_SWEEP_SECONDS = 300;

/** SAMSVAR_SWEEP_SECONDS: seconds between sweeps, default 300; 0 turns the sweep off. */
export function sweepIntervalSeconds(env: NodeJS.ProcessEnv): number {
  const raw = env.SAMSVAR_SWEEP_SECONDS;
  if (raw === undefined || raw.trim() === '') return DEFAULT_SWEEP_SECONDS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 86_400) {
    throw new SamsvarError('bad_request', `SAMSVAR_SWEEP_SECONDS must be a whole number of seconds from 0 (off) to 86400 (got '${raw}')`);
  }
  return n;
}

export interface PeriodicTask {
  /** Stops scheduling and waits for a sweep in progress, so the database can close after it. */
  stop(): Promise<void>;
}

/** The timer functions the schedule uses; tests pass fakes to step time without waiting. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // The sweep must never be what keeps the process alive.
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/**
 * Runs `task` now and then every `intervalMs` after the previous run finished, so two runs never
 * overlap. A failing run is reported and the schedule goes on.
 */
export function schedulePeriodic(
  task: () => Promise<unknown>,
  intervalMs: number,
  onError: (e: unknown) => void,
  timers: Timers = realTimers,
): PeriodicTask {
  let stopped = false;
  let handle: unknown;
  let running: Promise<void> | undefined;
  const tick = () => {
    handle = undefined;
    if (stopped) return;
    running = task()
      .then(
        () => undefined,
        (e) => onError(e),
      )
      .finally(() => {
        running = undefined;
        if (!stopped) handle = timers.setTimeout(tick, intervalMs);
      });
  };
  handle = timers.setTimeout(tick, 0);
  return {
    async stop() {
      stopped = true;
      if (handle !== undefined) timers.clearTimeout(handle);
      await running;
    },
  };
}
