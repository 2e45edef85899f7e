/**
 * Tables of the three delimited formats. Bulk tables carry `file_id` without a foreign key: a
 * dry run stores under file id 0 (and rolls back), and the check would cost every insert.
 */
export const delimited = {
  version: 4,
  name: 'delimited',
  sql: `
-- PBJ: a file name is accepted once per partner; the claim commits with the file's sales.
CREATE TABLE pbj_names (
  partner_id TEXT NOT NULL,
  name       TEXT NOT NULL,
  file_id    INTEGER NOT NULL,
  PRIMARY KEY (partner_id, name)
) STRICT, WITHOUT ROWID;

CREATE TABLE pbj_sales (
  id             INTEGER PRIMARY KEY,
  file_id        INTEGER NOT NULL,
  partner_id     TEXT NOT NULL,
  channel        TEXT NOT NULL,
  line           INTEGER NOT NULL,
  order_id       INTEGER NOT NULL,
  draw_no        INTEGER NOT NULL,
  customer_id    TEXT NOT NULL,
  product        TEXT NOT NULL,
  quantity       INTEGER NOT NULL,
  amount         TEXT NOT NULL,          -- decimal as written, exact
  payment_method TEXT NOT NULL,
  sale_date      TEXT NOT NULL,
  UNIQUE (partner_id, channel, order_id)
) STRICT;

-- Carma: append-only, as the source says; no index to slow the bulk insert.
CREATE TABLE carma_purchases (
  id               INTEGER PRIMARY KEY,
  file_id          INTEGER NOT NULL,
  partner_id       TEXT NOT NULL,
  list_id          TEXT NOT NULL,
  line             INTEGER NOT NULL,
  original_id      TEXT NOT NULL,
  sku              TEXT NOT NULL,
  item_price       TEXT NOT NULL,        -- decimal as written, exact
  transaction_time TEXT,
  quantity         INTEGER,
  total_price      TEXT,
  custom           TEXT                  -- JSON object of column2..column26 when any is given
) STRICT;

-- Client Toolbox: customers, every ledger entry, and the balance they add up to.
CREATE TABLE toolbox_customers (
  partner_id      TEXT NOT NULL,
  code            TEXT NOT NULL,
  created_file_id INTEGER NOT NULL,
  created_at      TEXT NOT NULL,
  PRIMARY KEY (partner_id, code)
) STRICT, WITHOUT ROWID;

CREATE TABLE toolbox_entries (
  id            INTEGER PRIMARY KEY,
  file_id       INTEGER NOT NULL,
  partner_id    TEXT NOT NULL,
  campaign_id   TEXT NOT NULL,
  code          TEXT NOT NULL,
  product       TEXT NOT NULL DEFAULT '',   -- service_product for buy-X, '' otherwise
  line          INTEGER NOT NULL,
  kind          TEXT NOT NULL CHECK (kind IN ('earn', 'redeem', 'undo')),
  amount        TEXT NOT NULL,              -- as written in the file
  delta         INTEGER NOT NULL,           -- change of the balance, in hundredths
  date          TEXT NOT NULL,
  authorization TEXT NOT NULL DEFAULT '',
  promo_ids     TEXT NOT NULL DEFAULT '',   -- comma separated
  undoes        INTEGER REFERENCES toolbox_entries(id),
  created_at    TEXT NOT NULL
) STRICT;

CREATE INDEX toolbox_entries_by_key ON toolbox_entries (partner_id, campaign_id, code, product, id);
CREATE INDEX toolbox_entries_by_file ON toolbox_entries (file_id);

CREATE TABLE toolbox_balances (
  partner_id  TEXT NOT NULL,
  campaign_id TEXT NOT NULL,
  code        TEXT NOT NULL,
  product     TEXT NOT NULL DEFAULT '',
  balance     INTEGER NOT NULL,             -- hundredths
  updated_at  TEXT NOT NULL,
  PRIMARY KEY (partner_id, campaign_id, code, product)
) STRICT, WITHOUT ROWID;

CREATE TABLE toolbox_undos (
  file_id    INTEGER PRIMARY KEY,
  partner_id TEXT NOT NULL,
  undone_by  TEXT NOT NULL,
  reason     TEXT NOT NULL,
  undone_at  TEXT NOT NULL,
  entries    INTEGER NOT NULL
) STRICT;
`,
} as const;
