import { describe, expect, it } from 'vitest';
import type { CampaignConfig } from '../../config/schema.js';
import { lineAmount } from './rules.js';

const campaign = (type: CampaignConfig['type'], ratio = 10): CampaignConfig => ({ id: 'K', type, ratio, rewards: { R1: 25 } });
const earn = (text: string) => ({ redeemed: false, text });
const redeem = (text: string) => ({ redeemed: true, text });

describe("the guide's amount rules", () => {
  it('without apply_ratio, the amount is the change for every type', () => {
    for (const type of ['points', 'giftcard', 'earned', 'buyx'] as const) {
      expect(lineAmount(campaign(type), false, earn('14,95'))).toBe(1495);
      expect(lineAmount(campaign(type), false, redeem('2'))).toBe(200);
    }
    expect(lineAmount(campaign('events'), false, earn(''))).toBe(100);
  });
  it('with apply_ratio, points convert money and redeem rewards', () => {
    expect(lineAmount(campaign('points'), true, earn('2.50'))).toBe(2500);
    expect(lineAmount(campaign('points'), true, redeem('R1'))).toBe(2500);
    expect(lineAmount(campaign('points'), true, redeem('R9'))).toMatchObject({ code: 'unknown_reward' });
  });
  it('with apply_ratio, events redeem rewards, earned converts events, buy-X deducts ratio per item', () => {
    expect(lineAmount(campaign('events'), true, earn(''))).toBe(100);
    expect(lineAmount(campaign('events'), true, redeem('R1'))).toBe(2500);
    expect(lineAmount(campaign('earned'), true, earn(''))).toBe(1000);
    expect(lineAmount(campaign('earned'), true, redeem('4,95'))).toBe(495);
    expect(lineAmount(campaign('buyx'), true, redeem('1'))).toBe(1000);
    expect(lineAmount(campaign('giftcard'), true, earn('49.62'))).toBe(4962);
  });
  it('reports a missing, malformed or zero amount', () => {
    expect(lineAmount(campaign('points'), false, earn(''))).toMatchObject({ code: 'missing_field' });
    expect(lineAmount(campaign('points'), false, earn('1.500,00'))).toMatchObject({ code: 'invalid_amount' });
    expect(lineAmount(campaign('points'), false, earn('0'))).toMatchObject({ code: 'not_positive' });
  });
});
