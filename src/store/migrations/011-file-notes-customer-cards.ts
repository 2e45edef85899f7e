/**
 * A file's notes for its receipt (warnings, the column order a headerless file was read in), and
 * Client Toolbox customers known by a card number as well as their code: the guide's `code` is
 * "either the unique Customer ID … or the card_number of the customer".
 */
export const fileNotesCustomerCards = {
  version: 11,
  name: 'file-notes-customer-cards',
  sql: `
ALTER TABLE files ADD COLUMN notes TEXT;       -- JSON: what the receipt says besides counts and reason

ALTER TABLE toolbox_customers ADD COLUMN card_number TEXT;
ALTER TABLE toolbox_customers ADD COLUMN created_by TEXT;   -- an operator's name; NULL when a file created it
CREATE UNIQUE INDEX toolbox_customers_by_card ON toolbox_customers (partner_id, card_number) WHERE card_number IS NOT NULL;
`,
} as const;
