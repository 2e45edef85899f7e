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
    /**
     * This node's name among the nodes sharing the store (its claims, heartbeat and metrics say
     * it); empty means the host name. Two nodes on one host need names of their own.
     */
    node_id: z.string().trim().max(64).regex(/^[A-Za-z0-9._:-]*$/, 'letters, digits and . _ : - only').default(''),
    /**
     * How long a file this node is processing stays its own without the node renewing it (every
     * third of it): a node that dies has its file taken over by another once the lease runs out.
     */
    lease_seconds: z.number().int().min(5).max(3600).default(30),
    /**
     * PostgreSQL only: the most connections this node opens. Each file in hand holds one for its
     * whole transaction; the rest serve logins, the console and the jobs.
     */
    pool_size: z.number().int().min(2).max(200).default(10),
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
