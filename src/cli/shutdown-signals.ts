/**
 * How `cordon run` stops: the first SIGTERM or SIGINT asks for a clean stop (work in flight is
 * finished), bounded by `drainMs`, after which the process exits anyway; a second signal exits
 * at once. Whatever is cut short is retried by another worker or the next start: every job and
 * effect is keyed.
 */
import type { Logger } from '../log/logger.js';
import { EXIT } from './exit-codes.js';

export interface ShutdownSignals {
  /** Resolves on the first signal. */
  readonly stopRequested: Promise<void>;
  /** A signal has arrived (start-up checks this between its steps). */
  requested(): boolean;
  /** Stops listening (the command is over). */
  dispose(): void;
}

/** Exit code after a second signal: 128 + the signal's number, as shells report it. */
const SIGNAL_EXIT: Readonly<Record<'SIGTERM' | 'SIGINT', number>> = { SIGTERM: 143, SIGINT: 130 };

export function watchShutdownSignals(log: Logger, drainMs: number): ShutdownSignals {
  let requested = false;
  let resolveStop = (): void => undefined;
  const stopRequested = new Promise<void>((resolve) => {
    resolveStop = resolve;
  });
  const onSignal = (signal: 'SIGTERM' | 'SIGINT'): void => {
    if (requested) {
      log.warn({ signal }, 'second signal: exiting now, without finishing work in flight');
      process.exit(SIGNAL_EXIT[signal]);
    }
    requested = true;
    log.info({ signal, drainMs }, 'shutting down: finishing work in flight (a second signal exits at once)');
    // unref: a stop that finishes lets the process end at once; this fires only if it hangs.
    setTimeout(() => {
      log.error({ drainMs }, 'shutdown did not finish in time; exiting with work in flight (it is retried: every job is keyed)');
      process.exit(EXIT.failed);
    }, drainMs).unref();
    resolveStop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return {
    stopRequested,
    requested: () => requested,
    dispose() {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    },
  };
}
