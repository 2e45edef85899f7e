/** A file's notes for its receipt, and Client Toolbox customers by card number (as SQLite's 011). */
export const fileNotesCustomerCards = {
  version: 11,
  name: 'file-notes-customer-cards',
  sql: `
ALTER TABLE files ADD COLUMN notes text;

ALTER TABLE toolbox_customers ADD COLUMN card_number text;
ALTER TABLE toolbox_customers ADD COLUMN created_by text;
CREATE UNIQUE INDEX toolbox_customers_by_card ON toolbox_customers (partner_id, card_number) WHERE card_number IS NOT NULL;
`,
} as const;
