import { loadConfig, type LoadedConfig } from '../config/load.js';
import type { CordonConfig, ListConfig } from '../config/schema.js';
import { createLogger, type Logger } from '../log/logger.js';
import { openStore, type Store } from '../store/index.js';

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

  constructor(opts: GlobalOptions) {
    const loaded = loadConfig(opts.config === undefined ? {} : { file: opts.config });
    this.config = loaded.config;
    this.files = loaded.files;
    this.log = createLogger({
      level: opts.logLevel ?? this.config.log.level,
      pretty: opts.pretty ?? this.config.log.pretty,
    });
  }

  store(): Promise<Store> {
    this.storePromise ??= openStore(this.config.store);
    return this.storePromise;
  }

  listConfig(id: string): ListConfig | undefined {
    return this.config.lists.find((l) => l.id === id);
  }

  async close(): Promise<void> {
    if (this.storePromise) await (await this.storePromise.catch(() => undefined))?.close();
    this.log.flush();
  }
}
