/**
 * The names accepted once (a format whose dedupe policy says `names: 'once'`) move from PBJ's own
 * table to one the delimited machinery keeps for any such format, keyed by format as well.
 */
export const acceptedNames = {
  version: 7,
  name: 'accepted-names',
  sql: `
-- A name is accepted once per partner and format; the claim commits with the file's records.
CREATE TABLE accepted_names (
  partner_id TEXT NOT NULL,
  format     TEXT NOT NULL,
  name       TEXT NOT NULL,
  file_id    INTEGER NOT NULL,
  PRIMARY KEY (partner_id, format, name)
) STRICT, WITHOUT ROWID;

INSERT INTO accepted_names (partner_id, format, name, file_id)
  SELECT partner_id, 'pbj-offline-sales', name, file_id FROM pbj_names;

DROP TABLE pbj_names;
`,
} as const;
