/**
 * Counter sequences (with the gaps operators skipped on purpose) and the CrowdTwist POS records.
 * Records point at their file with a deferred key, so that a dry run (file id 0, always rolled
 * back) can insert them too. Child rows are clustered under their parent (`WITHOUT ROWID`), which
 * is the one lookup returns and fulfillments need.
 */
export const crowdtwist = {
  version: 3,
  name: 'crowdtwist',
  sql: `
CREATE TABLE sequences (
  partner_id     TEXT NOT NULL REFERENCES partners(id),
  format         TEXT NOT NULL,
  day            TEXT NOT NULL,                 -- YYYY-MM-DD, as the file names say
  last_processed INTEGER NOT NULL,              -- the last counter processed (or skipped)
  updated_at     TEXT NOT NULL,
  PRIMARY KEY (partner_id, format, day)
) STRICT;

CREATE TABLE sequence_skips (
  id              INTEGER PRIMARY KEY,
  partner_id      TEXT NOT NULL REFERENCES partners(id),
  format          TEXT NOT NULL,
  day             TEXT NOT NULL,
  from_counter    INTEGER NOT NULL,
  through_counter INTEGER NOT NULL,
  reason          TEXT NOT NULL,
  released_by     TEXT NOT NULL,
  released_at     TEXT NOT NULL
) STRICT;

CREATE INDEX sequence_skips_by_sequence ON sequence_skips (partner_id, format, day);

CREATE TABLE crowdtwist_purchases (
  id             INTEGER PRIMARY KEY,
  partner_id     TEXT NOT NULL REFERENCES partners(id),
  file_id        INTEGER NOT NULL REFERENCES files(id) DEFERRABLE INITIALLY DEFERRED,
  position       INTEGER NOT NULL,              -- index in pos_data
  receipt_id     TEXT NOT NULL,
  order_id       TEXT NOT NULL,
  user_id        INTEGER NOT NULL,
  total          REAL NOT NULL,
  subtotal       REAL NOT NULL,
  date_purchased TEXT NOT NULL,
  channel_id     INTEGER NOT NULL,
  currency       TEXT NOT NULL,
  custom_data    TEXT,                          -- JSON object
  extra          TEXT,                          -- JSON object: fields of data posdrop does not know
  request_extra  TEXT,                          -- JSON object: fields beside type and data
  UNIQUE (partner_id, receipt_id)
) STRICT;

CREATE TABLE crowdtwist_items (
  purchase_id             INTEGER NOT NULL REFERENCES crowdtwist_purchases(id),
  line                    INTEGER NOT NULL,     -- index in items
  sku                     TEXT NOT NULL,
  price                   REAL NOT NULL,
  quantity                INTEGER NOT NULL,
  transaction_id          ANY,
  custom_data             TEXT,
  is_awaiting_fulfillment INTEGER NOT NULL CHECK (is_awaiting_fulfillment IN (0, 1)),
  extra                   TEXT,
  PRIMARY KEY (purchase_id, line)
) STRICT, WITHOUT ROWID;

CREATE TABLE crowdtwist_tenders (
  purchase_id INTEGER NOT NULL REFERENCES crowdtwist_purchases(id),
  line        INTEGER NOT NULL,
  type        INTEGER NOT NULL,
  amount      REAL NOT NULL,
  extra       TEXT,
  PRIMARY KEY (purchase_id, line)
) STRICT, WITHOUT ROWID;

CREATE TABLE crowdtwist_coupons (
  purchase_id INTEGER NOT NULL REFERENCES crowdtwist_purchases(id),
  line        INTEGER NOT NULL,
  code        TEXT NOT NULL,
  PRIMARY KEY (purchase_id, line)
) STRICT, WITHOUT ROWID;

CREATE TABLE crowdtwist_returns (
  id            INTEGER PRIMARY KEY,
  partner_id    TEXT NOT NULL REFERENCES partners(id),
  file_id       INTEGER NOT NULL REFERENCES files(id) DEFERRABLE INITIALLY DEFERRED,
  position      INTEGER NOT NULL,
  return_id     TEXT NOT NULL,
  purchase_id   INTEGER NOT NULL REFERENCES crowdtwist_purchases(id),
  receipt_id    TEXT NOT NULL,
  date_returned TEXT NOT NULL,
  extra         TEXT,
  request_extra TEXT,
  UNIQUE (partner_id, return_id)
) STRICT;

CREATE INDEX crowdtwist_returns_by_purchase ON crowdtwist_returns (purchase_id);

CREATE TABLE crowdtwist_return_items (
  return_row INTEGER NOT NULL REFERENCES crowdtwist_returns(id),
  line       INTEGER NOT NULL,
  sku        TEXT NOT NULL,
  quantity   INTEGER NOT NULL,
  price      REAL,
  extra      TEXT,
  PRIMARY KEY (return_row, line)
) STRICT, WITHOUT ROWID;

CREATE TABLE crowdtwist_fulfillments (
  id             INTEGER PRIMARY KEY,
  partner_id     TEXT NOT NULL REFERENCES partners(id),
  file_id        INTEGER NOT NULL REFERENCES files(id) DEFERRABLE INITIALLY DEFERRED,
  position       INTEGER NOT NULL,
  fulfillment_id TEXT NOT NULL,
  purchase_id    INTEGER NOT NULL REFERENCES crowdtwist_purchases(id),
  receipt_id     TEXT NOT NULL,
  date_fulfilled TEXT NOT NULL,
  extra          TEXT,
  request_extra  TEXT,
  UNIQUE (partner_id, fulfillment_id)
) STRICT;

CREATE INDEX crowdtwist_fulfillments_by_purchase ON crowdtwist_fulfillments (purchase_id);

CREATE TABLE crowdtwist_fulfillment_items (
  fulfillment_row INTEGER NOT NULL REFERENCES crowdtwist_fulfillments(id),
  line            INTEGER NOT NULL,
  sku             TEXT NOT NULL,
  quantity        INTEGER NOT NULL,
  extra           TEXT,
  PRIMARY KEY (fulfillment_row, line)
) STRICT, WITHOUT ROWID;
`,
} as const;
