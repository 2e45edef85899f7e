/**
 * Client Toolbox batch transactions: each good line is an entry in the partner's ledger (earn or
 * redemption, per the guide's amount rules); bad lines are skipped; the answer is the guide's XML
 * (or JSON) response in `<name>.result.xml|json`.
 */
import { utcDay } from '../../core/calendar.js';
import type { LineProblem } from '../../core/line-problem.js';
import type { CampaignConfig, ToolboxPartnerConfig } from '../../config/schema.js';
import type { ProcessContext } from '../../pipeline/processor.js';
import type { DelimitedFormat, FormatSession } from '../delimited/processor.js';
import type { SplitLine } from '../delimited/record-splitter.js';
import type { ColumnOrder, RunSummary } from '../delimited/run.js';
import { COL, DEFAULT_COLUMN_ORDER, toolboxDeclaration } from './declaration.js';
import { openToolboxLedger, type BalanceKey, type ToolboxLedger } from './ledger.js';
import { toolboxOptions } from './options.js';
import { errorReceipt, receiptSuffix, successReceipt } from './receipt.js';
import { lineAmount, overBalance } from './rules.js';

function lineProblem(column: string, value: string, code: string, message: string, expected: string): LineProblem {
  return { column, value, code, message, expected };
}

class ToolboxSession implements FormatSession {
  private readonly options: ToolboxPartnerConfig;
  private readonly today: string;
  private readonly at: string;
  readonly prepare?: (lines: readonly (readonly unknown[])[]) => Promise<void>;

  /** The session of a batch, with the lines it stored when processed before. */
  static async open(ctx: ProcessContext): Promise<ToolboxSession> {
    const ledger = await openToolboxLedger(ctx.store.handle, ctx.partner.id);
    return new ToolboxSession(ctx, ledger, await ledger.linesOfFile(ctx.file.id));
  }

  private constructor(
    private readonly ctx: ProcessContext,
    private readonly ledger: ToolboxLedger,
    private readonly stored: readonly number[],
  ) {
    // the customers a piece of input names, read at once where a read is a round trip
    if (ledger.prepare) this.prepare = (lines) => ledger.prepare?.(lines.map((values) => values[COL.code] as string)) ?? Promise.resolve();
    this.options = toolboxOptions(ctx.config, ctx.partner.id, ctx.file);
    this.today = utcDay(ctx.now());
    this.at = ctx.now().toISOString();
  }

  columnOrder(): ColumnOrder {
    const { columns } = this.options;
    return columns ? { from: 'configured order', names: [...columns] } : { from: 'default order', names: [...DEFAULT_COLUMN_ORDER] };
  }

  storedLines(): readonly number[] {
    return this.stored;
  }

  flush(final: boolean): Promise<void> {
    return this.ledger.flush(final);
  }

  accept(values: readonly unknown[], at: SplitLine): LineProblem | undefined {
    const campaignId = values[COL.campaign] as string;
    const campaign = this.options.campaigns.find((candidate) => candidate.id === campaignId);
    if (!campaign) {
      const known = this.options.campaigns.map((candidate) => candidate.id).join(', ') || 'none configured';
      return lineProblem('campaign_id', campaignId, 'unknown_campaign', `campaign_id ${campaignId} is not a campaign of this account`, `one of: ${known}`);
    }
    const given = values[COL.code] as string;
    const known = this.ledger.customerCode(this.ctx.partner.id, given);
    // a card number posts to the customer it belongs to
    const code = known ?? given;
    if (!known && !this.options.create_new_customers) {
      return lineProblem('code', code, 'unknown_customer', `code ${code} is not a customer of this account`, 'the code or card number of an existing customer (create_new_customers is off)');
    }
    const problem = this.columnRules(campaign, values);
    if (problem) return problem;
    const redeemed = values[COL.redeemed] as boolean;
    const amount = (values[COL.amount] as string | undefined) ?? '';
    const size = lineAmount(campaign, this.options.apply_ratio, { redeemed, text: amount });
    if (typeof size !== 'number') return size;
    const key = { partner: this.ctx.partner.id, campaign: campaign.id, code, product: (values[COL.product] as string | undefined) ?? '' };
    if (redeemed) {
      const balance = this.ledger.balance(key);
      if (size > balance) return overBalance(size, balance, code, campaign.id);
    }
    if (!known) this.ledger.addCustomer(key.partner, code, this.ctx.file.id, this.at);
    this.post(key, values, at.line, redeemed ? -size : size);
    return undefined;
  }

  /** What depends on the campaign type rather than on one cell. */
  private columnRules(campaign: CampaignConfig, values: readonly unknown[]): LineProblem | undefined {
    if (campaign.type === 'buyx' && !values[COL.product]) {
      return lineProblem('service_product', '', 'missing_field', 'service_product is required for a buy-X campaign', 'the product bought, such as Coffees');
    }
    // Several promo ids need a delimiter other than a comma: the format has no quoting, so in a
    // comma file they are more cells than the header names, a ragged line.
    return undefined;
  }

  private post(key: BalanceKey, values: readonly unknown[], line: number, delta: number): void {
    this.ledger.post({
      ...key,
      fileId: this.ctx.file.id,
      line,
      kind: delta < 0 ? 'redeem' : 'earn',
      amount: (values[COL.amount] as string | undefined) ?? '',
      delta,
      date: (values[COL.date] as string | undefined) ?? this.today,
      authorization: (values[COL.authorization] as string | undefined) ?? '',
      promoIds: (values[COL.promo] as string | undefined) ?? '',
      at: this.at,
    });
  }

  async answer(summary: RunSummary, ctx: ProcessContext): Promise<void> {
    const nothing = nothingRead(summary);
    await ctx.outputs.put(receiptSuffix(this.options), nothing ? errorReceipt(nothing, this.options) : successReceipt(summary, this.options));
  }
}

/**
 * Why nothing of the batch could be imported, when nothing was: the guide has an error response
 * for a batch that failed, and a batch of which no line counts is one. The lines' own errors are
 * in the error log.
 */
function nothingRead(summary: RunSummary): string | undefined {
  if (summary.accepted + summary.alreadyStored > 0) return undefined;
  if (summary.total === 0) return summary.errorLines > 0 ? `the batch could not be read: ${firstProblem(summary)}` : 'the batch has no transactions';
  const lines = summary.total === 1 ? 'its one line has' : `all ${summary.total} lines have`;
  return `no transaction of the batch could be imported: ${lines} errors (the first: ${firstProblem(summary)}); see the error log`;
}

function firstProblem(summary: RunSummary): string {
  const first = summary.listed[0];
  const problem = first?.problems[0];
  return first && problem ? `line ${first.line}, ${problem.message}` : 'no line could be read';
}

export const toolboxFormat: DelimitedFormat = {
  declaration: toolboxDeclaration,
  dialectOutputs: ['.result.xml', '.result.json'],
  open: (ctx) => ToolboxSession.open(ctx),
  async answerRefusal(message, ctx, prefix) {
    const options = toolboxOptions(ctx.config, ctx.partner.id, ctx.file);
    await ctx.outputs.put(`${prefix}${receiptSuffix(options)}`, errorReceipt(message, options));
  },
};
