/** The `store` section: which database holds the ledger, partners and records. */
import { z } from 'zod';

export const storeSchema = z
  .strictObject({
    /**
     * Empty: the SQLite file `<data_dir>/posdrop.db`, as a single server has always run. A
     * `postgres://user:password@host:port/database` URL names a PostgreSQL database instead.
     */
    url: z
      .string()
      .trim()
      .default('')
      .refine((url) => url === '' || isPostgresUrl(url), {
        message: 'must be empty (the SQLite file in data_dir) or a postgres://user@host:port/database URL',
      }),
  })
  .prefault({});

export type StoreConfig = z.infer<typeof storeSchema>;

function isPostgresUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'postgres:' || parsed.protocol === 'postgresql:') && parsed.pathname.length > 1;
  } catch {
    return false;
  }
}
