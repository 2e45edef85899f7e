/** Names accepted once move from PBJ's own table to one keyed by format (as SQLite's 007). */
export const acceptedNames = {
  version: 7,
  name: 'accepted-names',
  sql: `
CREATE TABLE accepted_names (
  partner_id text NOT NULL,
  format     text NOT NULL,
  name       text NOT NULL,
  file_id    bigint NOT NULL,
  PRIMARY KEY (partner_id, format, name)
);

INSERT INTO accepted_names (partner_id, format, name, file_id)
  SELECT partner_id, 'pbj-offline-sales', name, file_id FROM pbj_names;

DROP TABLE pbj_names;
`,
} as const;
