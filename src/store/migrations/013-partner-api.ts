/**
 * The partner API: a partner's API key (its scrypt hash, beside the SFTP password), the way a
 * file came when it was not a folder (`via`: 'http'; NULL for SFTP or a file copied in), and the
 * Carma imports a partner opened, whose data posts become files.
 */
export const partnerApi = {
  version: 13,
  name: 'partner-api',
  sql: `
ALTER TABLE partners ADD COLUMN api_key_hash TEXT;
ALTER TABLE files ADD COLUMN via TEXT CHECK (via IN ('http'));

CREATE TABLE api_imports (
  id          TEXT PRIMARY KEY,                  -- the uuid answered to POST …/imports
  partner_id  TEXT NOT NULL REFERENCES partners(id),
  list_id     TEXT NOT NULL,
  metadata    TEXT NOT NULL,                     -- JSON, as posted
  data_posts  INTEGER NOT NULL DEFAULT 0,        -- each data post is a batch of its own
  created_at  TEXT NOT NULL
) STRICT;
`,
} as const;
