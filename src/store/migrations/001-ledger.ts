/** Partners, their keys, and the file ledger with its state history. */
export const ledger = {
  version: 1,
  name: 'ledger',
  sql: `
CREATE TABLE partners (
  id               TEXT PRIMARY KEY,
  client_id        TEXT NOT NULL,
  channels         TEXT NOT NULL DEFAULT '[]',   -- JSON array of channel keys
  formats          TEXT NOT NULL DEFAULT '[]',   -- JSON array of format ids
  enabled          INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  password_hash    TEXT,                         -- scrypt, see src/security/password.ts
  max_upload_bytes INTEGER,                      -- NULL: the configured default
  options          TEXT NOT NULL DEFAULT '{}',   -- JSON object of per-format options
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
) STRICT;

CREATE TABLE partner_keys (
  id          INTEGER PRIMARY KEY,
  partner_id  TEXT NOT NULL REFERENCES partners(id),
  algo        TEXT NOT NULL,
  public_key  TEXT NOT NULL,                     -- base64 SSH wire blob, as in authorized_keys
  comment     TEXT NOT NULL DEFAULT '',
  fingerprint TEXT NOT NULL,                     -- SHA256:..., as ssh-keygen -l prints it
  added_at    TEXT NOT NULL,
  UNIQUE (partner_id, fingerprint)
) STRICT;

CREATE TABLE files (
  id                    INTEGER PRIMARY KEY,
  partner_id            TEXT NOT NULL REFERENCES partners(id),
  name                  TEXT NOT NULL,
  sha256                TEXT NOT NULL,
  size                  INTEGER NOT NULL,
  format                TEXT,
  fields                TEXT,                    -- JSON: what the name says (date, counter, ...)
  state                 TEXT NOT NULL CHECK (state IN
                          ('received', 'held', 'queued', 'processing', 'processed', 'rejected', 'failed')),
  reason_code           TEXT,
  reason                TEXT,
  total                 INTEGER,
  accepted              INTEGER,
  failed                INTEGER,
  duplicates            INTEGER,
  received_at           TEXT NOT NULL,
  state_changed_at      TEXT NOT NULL,
  processing_started_at TEXT,
  processed_at          TEXT,
  archive_path          TEXT,
  UNIQUE (partner_id, name, sha256)
) STRICT;

CREATE INDEX files_by_state ON files (state, partner_id);
CREATE INDEX files_by_name ON files (partner_id, name);

CREATE TABLE file_events (
  id      INTEGER PRIMARY KEY,
  file_id INTEGER NOT NULL REFERENCES files(id),
  at      TEXT NOT NULL,
  state   TEXT NOT NULL,
  detail  TEXT
) STRICT;

CREATE INDEX file_events_by_file ON file_events (file_id, id);
`,
} as const;
