import { UsageError } from '../../core/errors.js';
import { formatHundredths } from '../../core/amount.js';
import { toolboxBalances } from '../../formats/clienttoolbox-transactions/ledger.js';
import type { Command } from '../command.js';
import { withContext } from '../context.js';
import { printJson, printTable } from '../output.js';

export const balancesCommand: Command = {
  name: 'balances',
  summary: "a partner's Client Toolbox ledger: each customer's balance per campaign",
  usage: '--partner P [--code C] [--json]',
  details: '  --code   only this customer (code or card number)',
  options: { partner: { type: 'string', short: 'p' }, code: { type: 'string' }, json: { type: 'boolean' } },
  async run(input) {
    const partner = input.values.partner as string | undefined;
    if (!partner) throw new UsageError('balances needs --partner');
    // a read: a transaction that stores nothing, so the store's engine answers alike
    const code = input.values.code as string | undefined;
    const rows = await withContext(input, ({ store }) => store.rolledBack((tx) => toolboxBalances(tx.handle, partner, code)));
    if (input.values.json) {
      return printJson(
        input.stdout,
        rows.map((row) => ({ campaign_id: row.campaign, code: row.code, service_product: row.product || null, balance: Number(formatHundredths(row.balance)), updated_at: row.updatedAt })),
      );
    }
    printTable(
      input.stdout,
      ['CODE', 'CAMPAIGN', 'PRODUCT', 'BALANCE', 'UPDATED'],
      rows.map((row) => [row.code, row.campaign, row.product || null, formatHundredths(row.balance), row.updatedAt]),
    );
  },
};
