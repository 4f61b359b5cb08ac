import { loadConfig, type LoadedConfig } from '../config/load.js';
import type { CordonConfig, ListConfig } from '../config/schema.js';
import { createLogger, type Logger } from '../log/logger.js';
import type { Store } from '../store/index.js';

/** Commands that keep the store open for long: they keep PostgreSQL's default shared buffers. */
const LONG_RUNNING = new Set(['cordon run', 'cordon replay']);

export interface GlobalOptions {
  readonly config?: string;
  readonly pretty?: boolean;
  readonly logLevel?: CordonConfig['log']['level'];
}

/** What every command needs: the validated config, a logger, and the store (opened on first use). */
export class CliContext {
  readonly config: CordonConfig;
  readonly files: LoadedConfig['files'];
  readonly log: Logger;
  private storePromise: Promise<Store> | undefined;

  /**
   * @param command what this process runs (`cordon run`): named in the embedded store's lock,
   *   so another command refused by it can say who holds the store.
   */
  constructor(
    opts: GlobalOptions,
    readonly command = 'cordon',
  ) {
    const loaded = loadConfig(opts.config === undefined ? {} : { file: opts.config });
    this.config = loaded.config;
    this.files = loaded.files;
    this.log = createLogger({
      level: opts.logLevel ?? this.config.log.level,
      pretty: opts.pretty ?? this.config.log.pretty,
    });
  }

  /** Rejects with `StoreLocked` when another process holds the embedded store (see service-api.ts). */
  store(): Promise<Store> {
    // Imported here: a command that answers without the store (`screen` from the copy of the
    // active lists) need not load it.
    this.storePromise ??= import('../store/index.js').then(({ openStore }) =>
      openStore(this.config.store, { command: this.command, log: this.log.child({ component: 'store' }), brief: !LONG_RUNNING.has(this.command) }),
    );
    return this.storePromise;
  }

  /**
   * Records in the embedded store's lock where this process serves the API (`cordon run`), so
   * writing commands in other processes go through it. A wildcard listen address is recorded
   * as the loopback one, which a client can connect to.
   */
  async announceApi(url: string): Promise<void> {
    const u = new URL(url);
    if (u.hostname === '0.0.0.0') u.hostname = '127.0.0.1';
    else if (u.hostname === '[::]') u.hostname = '[::1]';
    const { announceApi } = await import('../store/index.js');
    await announceApi(this.config.store, u.origin).catch((err: unknown) => {
      this.log.warn({ err, url: u.origin }, 'cannot record the API URL in the embedded store lock; other commands will not find the API');
    });
  }

  listConfig(id: string): ListConfig | undefined {
    return this.config.lists.find((l) => l.id === id);
  }

  async close(): Promise<void> {
    if (this.storePromise) await (await this.storePromise.catch(() => undefined))?.close();
    this.log.flush();
  }
}
