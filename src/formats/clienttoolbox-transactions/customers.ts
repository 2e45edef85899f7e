/**
 * Customers an operator brings in (`posdrop customers add|import`): with `create_new_customers`
 * off only they can ever be found, and the guide's redemption of 1500 needs a balance that existed
 * before posdrop. Each has a code, optionally a card number (the guide's `code` is either), and
 * optionally an opening balance per campaign, posted as an entry of its own. All or nothing: one
 * bad customer stores none, every problem named with its line.
 */
import { formatHundredths, parseAmount } from '../../core/amount.js';
import type { ToolboxPartnerConfig } from '../../config/schema.js';
import type { Store } from '../../store/store.js';
import { openToolboxLedger, type ToolboxLedger } from './ledger.js';

/** A customer as an operator gives it. */
export interface NewCustomer {
  /** Where it was given (a CSV line), for messages. */
  line: number;
  code: string;
  cardNumber?: string;
  /** Opening balances: a campaign, its buy-X product ('' otherwise), the amount as written (`1500`, `14,95`). */
  balances: { campaign: string; product: string; amount: string }[];
}

/** What was stored: customers, opening balances, and each balance posted. */
export interface CustomersAdded {
  customers: number;
  balances: number;
  /** Each opening balance posted, as the ledger shows it. */
  posted: { campaign: string; code: string; product: string; balance: string }[];
}

/** One problem of one customer, with where it was given. */
export interface CustomerProblem {
  line: number;
  message: string;
}

/** Nothing was stored: every problem, each with its line. */
export class CustomersRefused extends Error {
  constructor(readonly problems: CustomerProblem[]) {
    super(problems.map((problem) => `line ${problem.line}: ${problem.message}`).join('\n'));
  }
}

/** A customer record and a card number each name one customer of a partner. */
function problemsOf(ledger: ToolboxLedger, partner: string, options: ToolboxPartnerConfig, customers: readonly NewCustomer[]): CustomerProblem[] {
  const problems: CustomerProblem[] = [];
  const names = new Map<string, number>();
  const claim = (name: string, line: number, what: string) => {
    const earlier = names.get(name);
    if (earlier !== undefined && earlier !== line) problems.push({ line, message: `${what} ${name} is also given on line ${earlier}` });
    else if (ledger.customerCode(partner, name) !== undefined) problems.push({ line, message: `${what} ${name} is already a customer of ${partner} (its code or card number)` });
    names.set(name, line);
  };
  const seen = new Set<string>();
  for (const customer of customers) {
    const { line, code } = customer;
    if (!code) problems.push({ line, message: 'code is required' });
    else if (!seen.has(code)) claim(code, line, 'code');
    if (customer.cardNumber && !seen.has(code)) claim(customer.cardNumber, line, 'card number');
    seen.add(code);
    for (const balance of customer.balances) {
      const campaign = options.campaigns.find((candidate) => candidate.id === balance.campaign);
      if (!campaign) {
        const known = options.campaigns.map((candidate) => candidate.id).join(', ') || 'none configured';
        problems.push({ line, message: `campaign_id ${balance.campaign} is not a campaign of ${partner} (${known})` });
      } else if (campaign.type === 'buyx' && !balance.product) {
        problems.push({ line, message: `a balance in buy-X campaign ${campaign.id} needs its service_product` });
      }
      const hundredths = parseAmount(balance.amount);
      if (hundredths === undefined) problems.push({ line, message: `the balance ${balance.amount || '(empty)'} is not an amount such as 1500 or 14,95` });
    }
  }
  return problems;
}

/**
 * Adds the customers and posts their opening balances in one transaction of `store` (holding the
 * partner's ledger on PostgreSQL, as a batch does); throws `CustomersRefused` naming every
 * problem, storing nothing.
 */
export async function addCustomers(
  store: Store,
  request: { partner: string; options: ToolboxPartnerConfig; customers: readonly NewCustomer[]; by: string; at: string },
): Promise<CustomersAdded> {
  const { partner, by, at } = request;
  return store.transaction(async (tx) => {
    const ledger = await openToolboxLedger(tx.handle, partner);
    await ledger.prepare?.(request.customers.flatMap((customer) => (customer.cardNumber ? [customer.code, customer.cardNumber] : [customer.code])));
    const problems = problemsOf(ledger, partner, request.options, request.customers);
    if (problems.length) throw new CustomersRefused(problems);
    const added = new Set<string>();
    const result: CustomersAdded = { customers: 0, balances: 0, posted: [] };
    for (const customer of request.customers) {
      if (!added.has(customer.code)) {
        ledger.addCustomer(partner, customer.code, 0, at, { cardNumber: customer.cardNumber, by });
        added.add(customer.code);
        result.customers += 1;
      }
      for (const balance of customer.balances) {
        const delta = parseAmount(balance.amount) as number;
        if (delta === 0) continue;
        ledger.post({
          partner,
          campaign: balance.campaign,
          code: customer.code,
          product: balance.product,
          fileId: 0,
          line: customer.line,
          kind: 'earn',
          amount: balance.amount,
          delta,
          date: at.slice(0, 10),
          authorization: `opening balance, by ${by}`,
          promoIds: '',
          at,
        });
        result.balances += 1;
        result.posted.push({ campaign: balance.campaign, code: customer.code, product: balance.product, balance: formatHundredths(delta) });
      }
    }
    await ledger.flush(true);
    return result;
  });
}
