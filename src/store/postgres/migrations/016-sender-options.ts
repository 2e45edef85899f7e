/** The options a file's sender gave with it, a JSON object or NULL (as SQLite's 016). */
export const senderOptions = {
  version: 16,
  name: 'sender-options',
  sql: `
ALTER TABLE files ADD COLUMN sender_options text CHECK (sender_options IS NULL OR json_typeof(sender_options::json) = 'object');
`,
} as const;
