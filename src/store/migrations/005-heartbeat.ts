/**
 * One row the daemon rewrites when asked whether its database is writable (`/healthz`): a real
 * committed write is the only proof that the disk, the file mode and the locks all allow one.
 */
export const heartbeat = {
  version: 5,
  name: 'heartbeat',
  sql: `
CREATE TABLE heartbeat (
  id  INTEGER PRIMARY KEY CHECK (id = 1),
  at  TEXT NOT NULL,
  pid INTEGER NOT NULL
) STRICT;
`,
} as const;
