/**
 * The guide's amount rules (pure): what a line's `amount` means for each campaign type, with and
 * without `apply_ratio`, as a change of the balance in hundredths.
 */
import type { CampaignConfig } from '../../config/schema.js';
import { applyRatio, formatHundredths, parseAmount } from '../../core/amount.js';
import { NOT_A_TOOLBOX_AMOUNT } from '../../core/field-types.js';
import type { LineProblem } from '../../core/line-problem.js';

const ONE = 100; // one unit (event, item) in hundredths

export interface LineAmount {
  redeemed: boolean;
  /** The `amount` cell as written; empty when left blank. */
  text: string;
}

function problem(code: string, message: string, expected: string, value: string): LineProblem {
  return { column: 'amount', value, code, message, expected };
}

function plainAmount(text: string, fallback?: number): number | LineProblem {
  if (text === '') {
    if (fallback !== undefined) return fallback;
    return problem('missing_field', 'amount is required', 'an amount such as 14,95 or 1500', text);
  }
  const value = parseAmount(text);
  if (value === undefined) return problem(NOT_A_TOOLBOX_AMOUNT.code, `amount ${NOT_A_TOOLBOX_AMOUNT.problem}`, NOT_A_TOOLBOX_AMOUNT.expected, text);
  if (value === 0) return problem('not_positive', 'amount must be greater than 0', 'an amount greater than 0', text);
  return value;
}

function rewardCost(campaign: CampaignConfig, text: string): number | LineProblem {
  const cost = campaign.rewards[text];
  if (cost !== undefined) return Math.round(cost * ONE);
  const known = Object.keys(campaign.rewards);
  return problem(
    'unknown_reward',
    `amount ${text === '' ? '(empty)' : text} is not a reward of campaign ${campaign.id}`,
    known.length ? `a reward id: ${known.join(', ')}` : 'a reward id (this campaign has none configured)',
    text,
  );
}

/** The size of the line's earn or redemption (positive hundredths), or why it has none. */
export function lineAmount(campaign: CampaignConfig, applyRatioOption: boolean, line: LineAmount): number | LineProblem {
  const { text, redeemed } = line;
  const ratio = applyRatioOption ? campaign.ratio : 1;
  switch (campaign.type) {
    case 'points':
      if (!applyRatioOption) return plainAmount(text);
      return redeemed ? rewardCost(campaign, text) : scaled(plainAmount(text), ratio);
    case 'giftcard': // apply_ratio does not apply
      return plainAmount(text);
    case 'events':
      if (redeemed) return applyRatioOption ? rewardCost(campaign, text) : plainAmount(text);
      return plainAmount(text, ONE);
    case 'earned':
      if (redeemed) return plainAmount(text);
      // an event line needs no amount: it is one event (worth the ratio only with apply_ratio)
      return applyRatioOption ? scaled(plainAmount(text, ONE), ratio) : plainAmount(text, ONE);
    case 'buyx':
      return redeemed ? scaled(plainAmount(text), ratio) : plainAmount(text);
  }
}

function scaled(amount: number | LineProblem, ratio: number): number | LineProblem {
  return typeof amount === 'number' ? applyRatio(amount, ratio) : amount;
}

/** A redemption larger than what the customer has. */
export function overBalance(cost: number, balance: number, code: string, campaign: string): LineProblem {
  return {
    column: 'amount',
    value: formatHundredths(cost),
    code: 'over_balance',
    message: `the redemption of ${formatHundredths(cost)} is more than the balance ${formatHundredths(balance)} of customer ${code} in campaign ${campaign}`,
    expected: `at most ${formatHundredths(balance)}`,
  };
}
