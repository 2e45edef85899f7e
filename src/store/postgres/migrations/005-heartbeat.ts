/** The row `/healthz` rewrites to prove the database takes a write (as SQLite's 005). */
export const heartbeat = {
  version: 5,
  name: 'heartbeat',
  sql: `
CREATE TABLE heartbeat (
  id  bigint PRIMARY KEY CHECK (id = 1),
  at  text NOT NULL,
  pid bigint NOT NULL
);
`,
} as const;
