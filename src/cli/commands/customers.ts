/**
 * `posdrop customers add|import`: Client Toolbox customers that exist before posdrop (codes,
 * card numbers, opening balances per campaign), for partners whose files may not create them.
 */
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { parse as parseCsv } from 'csv-parse/sync';
import { OperatorError, UsageError, errorMessage } from '../../core/errors.js';
import { addCustomers, CustomersRefused, type CustomersAdded, type NewCustomer } from '../../formats/clienttoolbox-transactions/customers.js';
import { toolboxOptions } from '../../formats/clienttoolbox-transactions/options.js';
import type { Command, CommandInput } from '../command.js';
import { withContext } from '../context.js';
import { printJson } from '../output.js';

function operator(given: unknown): string {
  if (typeof given === 'string' && given.trim()) return given.trim();
  return process.env.SUDO_USER || userInfo().username;
}

/** `12121=1500` or `555/Coffees=3`: a campaign (and buy-X product) and an opening balance. */
function balanceOf(text: string): NewCustomer['balances'][number] {
  const match = /^([^=/]+)(?:\/([^=]+))?=(.*)$/.exec(text);
  if (!match) throw new UsageError(`--balance ${text}: expected CAMPAIGN=AMOUNT (or CAMPAIGN/PRODUCT=AMOUNT for buy-X), such as 12121=1500`);
  return { campaign: match[1] as string, product: match[2] ?? '', amount: match[3] as string };
}

/** The columns a customers CSV may name in its header. */
const CSV_COLUMNS = ['code', 'card_number', 'campaign_id', 'balance', 'service_product'];

/**
 * The customers of a CSV whose header names `code` (required) and optionally `card_number`,
 * `campaign_id`, `balance`, `service_product`: one line per opening balance, a customer on several.
 */
export function customersFromCsv(text: string): NewCustomer[] {
  let rows: string[][];
  try {
    rows = parseCsv(text, { bom: true, skip_empty_lines: true, relax_column_count: false, trim: true }) as string[][];
  } catch (err) {
    throw new OperatorError('bad_csv', `the customers file is not valid CSV: ${errorMessage(err)}`);
  }
  const [header, ...lines] = rows;
  if (!header) throw new OperatorError('bad_csv', 'the customers file is empty: its first line names the columns (code, card_number, campaign_id, balance, service_product)');
  const names = header.map((cell) => cell.toLowerCase());
  const unknown = names.filter((name) => !CSV_COLUMNS.includes(name));
  if (unknown.length) throw new OperatorError('bad_csv', `line 1: unknown column ${unknown.join(', ')}; the columns are ${CSV_COLUMNS.join(', ')}`);
  if (!names.includes('code')) throw new OperatorError('bad_csv', 'line 1: the header has no column code');
  if (names.includes('balance') !== names.includes('campaign_id')) throw new OperatorError('bad_csv', 'line 1: balance and campaign_id go together');
  const cell = (row: string[], name: string) => row[names.indexOf(name)] ?? '';
  // a customer with several campaigns comes on several lines, one per balance
  const byCode = new Map<string, NewCustomer>();
  const customers: NewCustomer[] = [];
  lines.forEach((row, index) => {
    const line = index + 2;
    const code = cell(row, 'code');
    const card = cell(row, 'card_number');
    let customer = code ? byCode.get(code) : undefined;
    if (!customer) {
      customer = { line, code, balances: [], ...(card ? { cardNumber: card } : {}) };
      if (code) byCode.set(code, customer);
      customers.push(customer);
    } else if (card && customer.cardNumber !== card) {
      throw new OperatorError('bad_csv', `line ${line}: customer ${code} has the card number ${customer.cardNumber ?? '(none)'} on line ${customer.line}`);
    }
    const campaign = cell(row, 'campaign_id');
    const amount = cell(row, 'balance');
    if (campaign || amount) customer.balances.push({ campaign, product: cell(row, 'service_product'), amount });
  });
  return customers;
}

async function store(input: CommandInput, partner: string, customers: NewCustomer[]): Promise<CustomersAdded> {
  const by = operator(input.values.by);
  return withContext(input, async ({ store: stored, config }) => {
    if (!(await stored.partners.get(partner))) throw new OperatorError('no_partner', `there is no partner ${partner}`);
    try {
      return await addCustomers(stored, { partner, options: toolboxOptions(config, partner), customers, by, at: new Date().toISOString() });
    } catch (err) {
      if (err instanceof CustomersRefused) throw new OperatorError('customers_refused', `nothing was stored:\n${err.message}`);
      throw err;
    }
  });
}

function report(input: CommandInput, partner: string, added: CustomersAdded): void {
  if (input.values.json) return printJson(input.stdout, { partner, ...added });
  input.stdout.write(`${partner}: ${added.customers} customers added, ${added.balances} opening balances posted\n`);
}

const common = { partner: { type: 'string', short: 'p' }, by: { type: 'string' }, json: { type: 'boolean' } } as const;

function partnerOf(input: CommandInput, verb: string): string {
  const partner = input.values.partner as string | undefined;
  if (!partner) throw new UsageError(`customers ${verb} needs --partner`);
  return partner;
}

/** `posdrop customers add`. */
export const customersAddCommand: Command = {
  name: 'customers add',
  summary: 'add a Client Toolbox customer: its code, card number and opening balances',
  usage: '--partner P --code C [--card N] [--balance CAMPAIGN=AMOUNT…] [--by NAME] [--json]',
  details: [
    '  --code     the customer id a batch line may give as its code',
    '  --card     the card number a batch line may give instead',
    '  --balance  an opening balance in a campaign (repeatable); buy-X: CAMPAIGN/PRODUCT=ITEMS',
    '  --by       who (default: the operator running the command)',
  ].join('\n'),
  options: { ...common, code: { type: 'string' }, card: { type: 'string' }, balance: { type: 'string', multiple: true } },
  async run(input) {
    const partner = partnerOf(input, 'add');
    const code = (input.values.code as string | undefined)?.trim();
    if (!code) throw new UsageError('customers add needs --code');
    const card = (input.values.card as string | undefined)?.trim();
    const balances = ((input.values.balance as string[] | undefined) ?? []).map(balanceOf);
    report(input, partner, await store(input, partner, [{ line: 1, code, balances, ...(card ? { cardNumber: card } : {}) }]));
  },
};

/** `posdrop customers import`. */
export const customersImportCommand: Command = {
  name: 'customers import',
  args: 1,
  summary: 'add Client Toolbox customers from a CSV file (all or nothing)',
  usage: '<file.csv> --partner P [--by NAME] [--json]',
  details: [
    '  the first line names the columns: code (required), card_number, campaign_id, balance,',
    '  service_product (buy-X); one line per opening balance, a customer on several lines',
  ].join('\n'),
  options: common,
  async run(input) {
    const partner = partnerOf(input, 'import');
    const [file] = input.positionals;
    if (!file) throw new UsageError('customers import needs the CSV file');
    const text = await readFile(file, 'utf8').catch((err: unknown) => {
      throw new OperatorError('unreadable', `cannot read ${file}: ${errorMessage(err)}`);
    });
    report(input, partner, await store(input, partner, customersFromCsv(text)));
  },
};

/** The `customers` group, for `main.ts`. */
export const customerCommands: Command[] = [customersAddCommand, customersImportCommand];
