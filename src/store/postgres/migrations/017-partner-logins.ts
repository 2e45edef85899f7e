/** When each partner last logged in, per way in and from where (as SQLite's 017). */
export const partnerLogins = {
  version: 17,
  name: 'partner-logins',
  sql: `
CREATE TABLE partner_logins (
  partner_id text NOT NULL REFERENCES partners(id),
  via        text NOT NULL CHECK (via IN ('sftp', 'api')),
  at         text NOT NULL,
  address    text NOT NULL,
  PRIMARY KEY (partner_id, via)
);
`,
} as const;
