/**
 * When each partner last logged in, per way in (SFTP, the partner API) and from where: the
 * console's Partners page shows it, so an operator answering "we cannot connect" sees at once
 * whether the partner ever got in. One row per partner and way, overwritten at each login.
 */
export const partnerLogins = {
  version: 17,
  name: 'partner-logins',
  sql: `
CREATE TABLE partner_logins (
  partner_id TEXT NOT NULL REFERENCES partners(id),
  via        TEXT NOT NULL CHECK (via IN ('sftp', 'api')),
  at         TEXT NOT NULL,
  address    TEXT NOT NULL,
  PRIMARY KEY (partner_id, via)
) STRICT, WITHOUT ROWID;
`,
} as const;
