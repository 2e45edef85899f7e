/**
 * Bans and lock-outs the defender gives, kept so that a restart forgives nothing (and, later,
 * every node refuses what one of them banned). One row per scope and subject: a new ban of the
 * same subject replaces the old one.
 */
export const bans = {
  version: 15,
  name: 'bans',
  sql: `
CREATE TABLE bans (
  scope     TEXT NOT NULL CHECK (scope IN ('address', 'prefix', 'account')),
  subject   TEXT NOT NULL,               -- the address, the prefix in CIDR notation, the account
  cause     TEXT NOT NULL CHECK (cause IN ('login', 'noauth')),
  failures  INTEGER NOT NULL,
  strikes   INTEGER NOT NULL,            -- lock-outs in a row (an account's delay doubles with each)
  banned_at TEXT NOT NULL,
  until     TEXT NOT NULL,
  PRIMARY KEY (scope, subject)
) STRICT;

CREATE INDEX bans_by_until ON bans (until);
`,
} as const;
