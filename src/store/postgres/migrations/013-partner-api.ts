/** A partner's API key, how a file came, and the Carma imports of the API (as SQLite's 013). */
export const partnerApi = {
  version: 13,
  name: 'partner-api',
  sql: `
ALTER TABLE partners ADD COLUMN api_key_hash text;
ALTER TABLE files ADD COLUMN via text CHECK (via IN ('http'));

CREATE TABLE api_imports (
  id          text PRIMARY KEY,
  partner_id  text NOT NULL REFERENCES partners(id),
  list_id     text NOT NULL,
  metadata    text NOT NULL,
  data_posts  bigint NOT NULL DEFAULT 0,
  created_at  text NOT NULL
);
`,
} as const;
