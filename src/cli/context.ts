/** What most commands need: the configuration, the data layout and the database. */
import { existsSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import { NotFound, OperatorError } from '../core/errors.js';
import type { Config } from '../config/schema.js';
import { DataLayout } from '../data-layout.js';
import { openDatabase, type Db } from '../store/database.js';
import { sqliteFileOf, storeLocation } from '../store/store-location.js';
import { FileLedger } from '../store/files.js';
import { SqliteStore, type Store } from '../store/store.js';
import { WriteLock } from '../store/write-lock.js';
import { PartnerStore } from '../store/partners.js';
import type { ReadModel } from '../read-model/read-model.js';
import { SqliteReadModel } from '../read-model/sqlite-read-model.js';
import type { CommandInput } from './command.js';

export interface Context {
  config: Config;
  layout: DataLayout;
  db: Db;
  files: FileLedger;
  /** The store's seams; writes go through `store.transaction`. */
  store: Store;
  partners: PartnerStore;
  /** The ledger's read model, shared with the console and the metrics. */
  read: ReadModel;
}

export function configFrom(input: CommandInput): Config {
  return loadConfig({ file: input.values.config as string | undefined });
}

/** Opens the database for one command and closes it afterwards. */
export async function withContext<T>(input: CommandInput, work: (ctx: Context) => Promise<T> | T): Promise<T> {
  const config = configFrom(input);
  const layout = new DataLayout(config.data_dir);
  const file = sqliteFileOf(storeLocation(config.store.url, layout.database));
  if (!existsSync(file)) {
    throw new OperatorError(
      'no_database',
      `no posdrop database in ${layout.root}: start the daemon once (posdrop serve), or set data_dir / POSDROP_DATA_DIR`,
    );
  }
  const db = openDatabase(file);
  const now = () => new Date();
  try {
    const partners = new PartnerStore(db, now);
    // A mistyped --partner would otherwise read as "nothing there" (an empty list, exit 0).
    const partner = input.values.partner;
    if (typeof partner === 'string' && !partners.get(partner)) throw new NotFound(`no partner ${JSON.stringify(partner)} (posdrop partners list shows them)`);
    return await work({ config, layout, db, files: new FileLedger(db, now), store: new SqliteStore(db, new WriteLock(db), now), partners, read: new SqliteReadModel(db, now) });
  } finally {
    db.close();
  }
}
