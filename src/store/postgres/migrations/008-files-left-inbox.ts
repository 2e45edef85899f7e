/**
 * When a file's original left the inbox, and at most one row of an identity in it (as SQLite's
 * 008). PostgreSQL drops the old unique constraint in place, so nothing is rebuilt; the columns
 * end in the same order as SQLite's rebuilt table.
 */
export const filesLeftInbox = {
  version: 8,
  name: 'files-left-inbox',
  sql: `
ALTER TABLE files DROP CONSTRAINT files_identity;
ALTER TABLE files ADD COLUMN left_inbox_at text;
UPDATE files SET left_inbox_at = state_changed_at WHERE state IN ('processed', 'rejected');
CREATE UNIQUE INDEX files_in_inbox ON files (partner_id, name, sha256) WHERE left_inbox_at IS NULL;
`,
} as const;
