/**
 * The options a file's sender gave with it, for its format to read when it processes the file:
 * a Client Toolbox request's `apply_ratio`, `allow-undo`, `create_new_customers`, `output` and
 * `condensed` apply to that batch only. A JSON object; NULL when none were given (SFTP, a copy).
 */
export const senderOptions = {
  version: 16,
  name: 'sender-options',
  sql: `
ALTER TABLE files ADD COLUMN sender_options TEXT CHECK (sender_options IS NULL OR json_type(sender_options) = 'object');
`,
} as const;
