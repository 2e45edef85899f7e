/** The highest file id ever handed out, kept apart from the rows (as SQLite's 012). */
export const fileIdFloor = {
  version: 12,
  name: 'file-id-floor',
  sql: `
CREATE TABLE file_id_floor (
  id      bigint PRIMARY KEY CHECK (id = 1),
  file_id bigint NOT NULL
);
`,
} as const;
