import { describe, expect, it } from 'vitest';
import { acceptedPattern, classifyName, type NameRule } from './naming.js';

// Rules as the formats declare them: data, with named groups.
const pos: NameRule = {
  format: 'pos',
  pattern: 'YYYYMMDD_NNNN_<client_id>_pos_<any>.json',
  regex: /^(?<date>\d+)_(?<counter>\d+)_(?<client_id>.+?)_pos_(?<any>.*)\.json$/,
  dateLayout: 'YYYYMMDD',
};
const sales: NameRule = {
  format: 'sales',
  pattern: '<channel>_<DD-MM-YYYY>_<batch>.csv',
  regex: /^(?<channel>.+)_(?<date>\d{2}-\d{2}-\d{4})_(?<batch>[^_]+)\.csv$/,
  dateLayout: 'DD-MM-YYYY',
};
const partner = { clientId: '12', channels: ['shop', 'web'] };
const today = '2024-06-30';

describe('classifyName', () => {
  it('gives the format and the fields a name carries', () => {
    expect(classifyName('20240623_0002_12_pos_store7.json', [pos, sales], partner, today)).toEqual({
      ok: true,
      format: 'pos',
      fields: { date: '2024-06-23', counter: 2, client_id: '12', any: 'store7' },
    });
    expect(classifyName('web_30-06-2024_b1.csv', [pos, sales], partner, today)).toEqual({
      ok: true,
      format: 'sales',
      fields: { date: '2024-06-30', channel: 'web', batch: 'b1' },
    });
  });

  it.each([
    ['20240631_0001_12_pos_x.json', 'name_date_invalid'],
    ['20240701_0001_12_pos_x.json', 'name_date_future'],
    ['20240623_0000_12_pos_x.json', 'name_counter_invalid'],
    ['20240623_001_12_pos_x.json', 'name_counter_invalid'],
    ['20240623_00001_12_pos_x.json', 'name_counter_invalid'],
    ['20240623_0001_13_pos_x.json', 'name_client_mismatch'],
    ['mail_01-06-2024_b1.csv', 'name_channel_unknown'],
    ['shop_31-06-2024_b1.csv', 'name_date_invalid'],
    ['report.txt', 'name_unrecognised'],
  ])('refuses %s with %s, listing the accepted names', (name, code) => {
    const verdict = classifyName(name, [pos, sales], partner, today);
    expect(verdict).toMatchObject({ ok: false, code });
    if (!verdict.ok) {
      expect(verdict.message.length).toBeGreaterThan(10);
      expect(verdict.accepted).toEqual([
        'YYYYMMDD_NNNN_12_pos_<any>.json [pos]',
        '<channel>_<DD-MM-YYYY>_<batch>.csv (channel: shop | web) [sales]',
      ]);
    }
  });

  it('says so when the account has no format at all', () => {
    const verdict = classifyName('x.json', [], partner, today);
    expect(verdict).toMatchObject({ ok: false, code: 'name_unrecognised', accepted: [] });
    expect(!verdict.ok && verdict.message).toMatch(/no file formats are enabled/);
  });
});

describe('acceptedPattern', () => {
  it("fills in the partner's own client id, and lists channels only when it has some", () => {
    expect(acceptedPattern(pos, partner)).toBe('YYYYMMDD_NNNN_12_pos_<any>.json [pos]');
    expect(acceptedPattern(sales, { clientId: '1', channels: [] })).toBe('<channel>_<DD-MM-YYYY>_<batch>.csv [sales]');
  });
});
