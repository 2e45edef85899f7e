/**
 * Operator accounts for the console (not partners: they never log in over SFTP), the record of
 * what operators did there, with who, when and why, and the indexes the console's pages read by.
 */
export const operators = {
  version: 10,
  name: 'operators',
  sql: `
CREATE TABLE operators (
  name          TEXT PRIMARY KEY,
  password_hash TEXT NOT NULL,                 -- scrypt, see src/security/password.ts
  role          TEXT NOT NULL CHECK (role IN ('viewer', 'admin')),
  enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL,
  last_login_at TEXT
) STRICT;

CREATE TABLE operator_actions (
  id       INTEGER PRIMARY KEY,
  at       TEXT NOT NULL,
  operator TEXT NOT NULL,
  action   TEXT NOT NULL,                      -- release, reprocess, partner.disable, ...
  target   TEXT NOT NULL,                      -- a file id, a partner, a sequence
  reason   TEXT NOT NULL,
  outcome  TEXT NOT NULL                       -- what came of it, or why it was refused
) STRICT;

-- the console's Today, on every page load: the last day of arrivals, the last 14 days of
-- records (covering: read from the index alone), each partner's last upload, and the Files list
-- in arrival order, by partner or state, without sorting what matched
CREATE INDEX files_by_received ON files (received_at);
CREATE INDEX files_by_processed ON files (processed_at, partner_id, state, accepted, failed, duplicates);
CREATE INDEX files_by_partner_received ON files (partner_id, received_at);
CREATE INDEX files_by_state_received ON files (state, received_at);
`,
} as const;
