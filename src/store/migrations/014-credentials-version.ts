/**
 * A partner's credentials version, raised by whatever takes access away (disabling, a new
 * password, a removed key). The CLI is another process: the daemon compares the versions it
 * logged sessions in with against the table, and ends the sessions of an older one.
 */
export const credentialsVersion = {
  version: 14,
  name: 'credentials-version',
  sql: `
ALTER TABLE partners ADD COLUMN credentials_version INTEGER NOT NULL DEFAULT 1;
`,
} as const;
