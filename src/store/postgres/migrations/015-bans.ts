/** Bans and lock-outs the defender gives, one row per scope and subject (as SQLite's 015). */
export const bans = {
  version: 15,
  name: 'bans',
  sql: `
CREATE TABLE bans (
  scope     text NOT NULL CHECK (scope IN ('address', 'prefix', 'account')),
  subject   text NOT NULL,
  cause     text NOT NULL CHECK (cause IN ('login', 'noauth')),
  failures  bigint NOT NULL,
  strikes   bigint NOT NULL,
  banned_at text NOT NULL,
  until     text NOT NULL,
  PRIMARY KEY (scope, subject)
);

CREATE INDEX bans_by_until ON bans (until);
`,
} as const;
