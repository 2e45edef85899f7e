/**
 * The nodes of a cluster and the files they have in hand. A node writes its row at start and
 * beats it while it runs (`posdrop status` lists the nodes alive); a file taken for processing
 * gets a claim with a lease its node renews while it works, so another node takes the file over
 * once the lease runs out (its node died). One node on SQLite has the same rows, one of each.
 */
export const cluster = {
  version: 18,
  name: 'cluster',
  sql: `
CREATE TABLE nodes (
  id         TEXT PRIMARY KEY,
  started_at TEXT NOT NULL,
  beat_at    TEXT NOT NULL,
  version    TEXT NOT NULL,
  pid        INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE claims (
  file_id     INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
  node_id     TEXT NOT NULL,
  claimed_at  TEXT NOT NULL,
  lease_until TEXT NOT NULL
) STRICT;

CREATE INDEX claims_by_lease ON claims (lease_until);
`,
} as const;
