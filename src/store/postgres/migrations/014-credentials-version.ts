/** A partner's credentials version, raised by whatever takes access away (as SQLite's 014). */
export const credentialsVersion = {
  version: 14,
  name: 'credentials-version',
  sql: `
ALTER TABLE partners ADD COLUMN credentials_version bigint NOT NULL DEFAULT 1;
`,
} as const;
