/** What most commands need: the configuration, the data layout and the store, on either engine. */
import { loadConfig } from '../config/load.js';
import { NotFound, OperatorError } from '../core/errors.js';
import type { Config } from '../config/schema.js';
import { DataLayout } from '../data-layout.js';
import type { Db } from '../store/database.js';
import type { Store } from '../store/store.js';
import type { ReadModel } from '../read-model/read-model.js';
import type { CommandInput } from './command.js';
import { openStoreForCommand } from './open-store.js';

export interface Context {
  config: Config;
  layout: DataLayout;
  /** The store's seams; writes go through `store.transaction`. */
  store: Store;
  /** The ledger's read model, shared with the console and the metrics. */
  read: ReadModel;
  /** The SQLite connection, for `posdrop backup`; on PostgreSQL, reading it refuses the command. */
  readonly db: Db;
}

export function configFrom(input: CommandInput): Config {
  return loadConfig({ file: input.values.config as string | undefined });
}

/** Opens the store for one command and closes it afterwards. */
export async function withContext<T>(input: CommandInput, work: (ctx: Context) => Promise<T> | T): Promise<T> {
  const config = configFrom(input);
  const layout = DataLayout.of(config);
  const now = () => new Date();
  const opened = await openStoreForCommand(config, layout, now);
  try {
    const { store, read } = opened;
    // A mistyped --partner would otherwise read as "nothing there" (an empty list, exit 0).
    const partner = input.values.partner;
    if (typeof partner === 'string' && !(await store.partners.get(partner))) throw new NotFound(`no partner ${JSON.stringify(partner)} (posdrop partners list shows them)`);
    const sqliteOnly = (): Db => {
      if (opened.db) return opened.db;
      throw new OperatorError('engine_unsupported', `this command needs the SQLite file, and store.url names ${opened.where}`);
    };
    return await work({
      config,
      layout,
      store,
      read,
      get db() {
        return sqliteOnly();
      },
    });
  } finally {
    await opened.close();
  }
}
