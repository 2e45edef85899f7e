/**
 * The highest file id ever handed out, kept apart from the `files` rows: after a restore the
 * ledger holds fewer rows than before, and SQLite would hand out again the ids of the files it
 * lost (ids that logs, receipts' history and archive paths `<id>-<name>` already name).
 */
export const fileIdFloor = {
  version: 12,
  name: 'file-id-floor',
  sql: `
-- One row: no new file gets an id at or below file_id.
CREATE TABLE file_id_floor (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  file_id INTEGER NOT NULL
) STRICT;
`,
} as const;
