/** Every failed record of every file, for `posdrop errors` and the error logs. */
export const recordErrors = {
  version: 2,
  name: 'record-errors',
  sql: `
CREATE TABLE record_errors (
  id         INTEGER PRIMARY KEY,
  file_id    INTEGER NOT NULL REFERENCES files(id),
  position   INTEGER NOT NULL,          -- line number (delimited) or index in the array (JSON)
  record_key TEXT,                      -- e.g. the receipt_id or ORDER_ID, when there is one
  field      TEXT,                      -- column name or field path
  code       TEXT NOT NULL,
  message    TEXT NOT NULL,
  value      TEXT                       -- the offending value, cut to 200 characters
) STRICT;

CREATE INDEX record_errors_by_file ON record_errors (file_id, position);

ALTER TABLE files ADD COLUMN errors_not_stored INTEGER NOT NULL DEFAULT 0;
`,
} as const;
