/**
 * Webhook deliveries as an outbox: a row per event and subscription, written in the same
 * transaction as the state change that raised it, so no event is lost on a crash and none is
 * sent for a change that rolled back. The deliverer sends due rows and marks them.
 */
export const notifications = {
  version: 9,
  name: 'notifications',
  sql: `
CREATE TABLE notification_deliveries (
  id              INTEGER PRIMARY KEY,
  delivery_id     TEXT NOT NULL UNIQUE,          -- sent with every attempt: receivers drop repeats by it
  subscription    TEXT NOT NULL,                 -- a subscription's name, or partner:<id> for a partner's own URL
  event           TEXT NOT NULL,
  partner_id      TEXT,
  file_id         INTEGER,                       -- deliveries of one file and subscription go in order
  body            TEXT NOT NULL,                 -- the JSON sent, fixed when the event happened
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  created_at      TEXT NOT NULL,
  next_attempt_at TEXT NOT NULL,
  last_error      TEXT,
  finished_at     TEXT
) STRICT;

CREATE INDEX notification_deliveries_pending ON notification_deliveries (state, id) WHERE state = 'pending';
`,
} as const;
