/**
 * The ledger learns when a file's original left the inbox, and an identity (partner, name,
 * sha256) may then arrive again as a new file (PBJ answers a name sent again "already
 * uploaded"). At most one row of an identity is still (or may still be)
 * in the inbox; that row is the one a rescan or a restart resumes. `files` is rebuilt because
 * SQLite cannot drop its old UNIQUE (partner_id, name, sha256) in place.
 *
 * Rows already final when this runs are taken as archived: the daemon archives a final file at
 * once, and a clean stop waits for it.
 */
export const filesLeftInbox = {
  version: 8,
  name: 'files-left-inbox',
  rebuildsTables: true,
  sql: `
CREATE TABLE files_next (
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
  errors_not_stored     INTEGER NOT NULL DEFAULT 0,
  -- when the original left the inbox: archived once final, or removed or replaced before
  -- it was processed; NULL while it is (or may still be) there
  left_inbox_at         TEXT
) STRICT;

INSERT INTO files_next (id, partner_id, name, sha256, size, format, fields, state, reason_code, reason, total, accepted,
                        failed, duplicates, received_at, state_changed_at, processing_started_at, processed_at,
                        archive_path, errors_not_stored, left_inbox_at)
  SELECT id, partner_id, name, sha256, size, format, fields, state, reason_code, reason, total, accepted,
         failed, duplicates, received_at, state_changed_at, processing_started_at, processed_at,
         archive_path, errors_not_stored, CASE WHEN state IN ('processed', 'rejected') THEN state_changed_at END
  FROM files;

DROP TABLE files;
ALTER TABLE files_next RENAME TO files;

CREATE INDEX files_by_state ON files (state, partner_id);
CREATE INDEX files_by_name ON files (partner_id, name);
CREATE UNIQUE INDEX files_in_inbox ON files (partner_id, name, sha256) WHERE left_inbox_at IS NULL;
`,
} as const;
