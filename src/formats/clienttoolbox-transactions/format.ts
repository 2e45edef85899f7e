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
import { COL, toolboxDeclaration } from './declaration.js';
import { ToolboxLedger, type BalanceKey } from './ledger.js';
import { toolboxOptions } from './options.js';
import { errorReceipt, receiptSuffix, successReceipt } from './receipt.js';
import { lineAmount, overBalance } from './rules.js';

function lineProblem(column: string, value: string, code: string, message: string, expected: string): LineProblem {
  return { column, value, code, message, expected };
}

class ToolboxSession implements FormatSession {
  private readonly ledger: ToolboxLedger;
  private readonly options: ToolboxPartnerConfig;
  private readonly today: string;
  private readonly at: string;

  constructor(private readonly ctx: ProcessContext) {
    this.ledger = new ToolboxLedger(ctx.db);
    this.options = toolboxOptions(ctx.config, ctx.partner.id);
    this.today = utcDay(ctx.now());
    this.at = ctx.now().toISOString();
  }

  storedLines(): number[] {
    return this.ledger.linesOfFile(this.ctx.file.id);
  }

  accept(values: readonly unknown[], at: SplitLine): LineProblem | undefined {
    const campaignId = values[COL.campaign] as string;
    const campaign = this.options.campaigns.find((candidate) => candidate.id === campaignId);
    if (!campaign) {
      const known = this.options.campaigns.map((candidate) => candidate.id).join(', ') || 'none configured';
      return lineProblem('campaign_id', campaignId, 'unknown_campaign', `campaign_id ${campaignId} is not a campaign of this account`, `one of: ${known}`);
    }
    const code = values[COL.code] as string;
    const known = this.ledger.hasCustomer(this.ctx.partner.id, code);
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

  async answer(summary: Parameters<FormatSession['answer']>[0], ctx: ProcessContext): Promise<void> {
    await ctx.outputs.put(receiptSuffix(this.options), successReceipt(summary, this.options));
  }
}

export const toolboxFormat: DelimitedFormat = {
  declaration: toolboxDeclaration,
  dialectOutputs: ['.result.xml', '.result.json'],
  open: (ctx) => new ToolboxSession(ctx),
  async answerRefusal(message, ctx) {
    const options = toolboxOptions(ctx.config, ctx.partner.id);
    await ctx.outputs.put(receiptSuffix(options), errorReceipt(message, options));
  },
};
