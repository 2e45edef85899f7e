/**
 * Each failed CrowdTwist request as the partner sent it, beside its record errors: `posdrop
 * errors` shows an operator what `<name>.errors.json` told the partner (type and the request
 * verbatim) long after retention has deleted that outbox file. Written in the file's own
 * transaction; a file processed again keeps only its last run. The file key is deferred, as in
 * 003, so that a dry run (file id 0, always rolled back) can write here too.
 */
export const crowdtwistFailedRequests = {
  version: 6,
  name: 'crowdtwist-failed-requests',
  sql: `
CREATE TABLE crowdtwist_failed_requests (
  file_id    INTEGER NOT NULL REFERENCES files(id) DEFERRABLE INITIALLY DEFERRED,
  position   INTEGER NOT NULL,          -- index in pos_data, as record_errors.position
  receipt_id TEXT,
  type       TEXT,                      -- as written, when it is a string
  request    TEXT NOT NULL,             -- the element of pos_data exactly as it stands in the file
  PRIMARY KEY (file_id, position)
) STRICT, WITHOUT ROWID;
`,
} as const;
