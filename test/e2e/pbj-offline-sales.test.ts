import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon, type TestPartner, NAMES_JUDGED_BY_PIPELINE } from '../support/daemon.js';
import { csvRows, drop, fetchJson, fetchOutbox } from '../support/drop.js';

const HEADER = 'ORDER_ID,DRAW_NO,CUSTOMER_ID,PRODUCT,QUANTITY,AMOUNT,PAYMENT_METHOD,SALE_DATE\n';
const fixture = (name: string) => readFile(new URL(`../../fixtures/pbj/${name}`, import.meta.url));

describe('PBJ offline sales through the daemon', () => {
  let daemon: TestDaemon;
  let jumbo: TestPartner;

  beforeAll(async () => {
    daemon = await TestDaemon.start(NAMES_JUDGED_BY_PIPELINE);
    jumbo = await daemon.addPartner({ id: 'jumbo', channels: ['direct-mail', 'retail'], formats: ['pbj-offline-sales'] });
  });
  afterAll(() => daemon.destroy());

  it("answers the guide's success and error examples with the guide's own bodies", async () => {
    const good = await drop(daemon, jumbo, 'direct-mail_20-04-2020_1.csv', await fixture('direct-mail_20-04-2020_1.csv'));
    expect(good.state).toBe('processed');
    expect(good.counts).toEqual({ total: 34, accepted: 34, failed: 0, duplicates: 0 });
    expect(await fetchJson(daemon, jumbo, 'direct-mail_20-04-2020_1.csv.result.json')).toEqual({ result: 34 });

    const bad = await drop(daemon, jumbo, 'direct-mail_20-04-2020_2.csv', await fixture('direct-mail_20-04-2020_2.csv'));
    expect(bad.state).toBe('rejected');
    expect(bad.reason).toMatchObject({ code: 'invalid_content' });
    const expected = JSON.parse((await fixture('expected/direct-mail_20-04-2020_2.csv.result.json')).toString()) as unknown;
    expect(await fetchJson(daemon, jumbo, 'direct-mail_20-04-2020_2.csv.result.json')).toEqual(expected);
  });

  it('refuses the whole file for one bad line of each kind and lists each with its line', async () => {
    const lines = [
      '2001,7,C1,Ticket,1,2.50,card,2020-04-20', // 2: good, but nothing is stored
      'x2002,7,C1,Ticket,1,2.50,card,2020-04-20', // 3
      '2003,7,,Ticket,1,2.50,card,2020-04-20', // 4
      '2004,7,C1,Ticket,0,2.50,card,2020-04-20', // 5
      '2005,7,C1,Ticket,1,"2,50",card,2020-04-20', // 6
      '2006,7,C1,Ticket,1,2.50,card,2020-02-30', // 7
      '2007,7,C1,Ticket,1,2.50,card', // 8 ragged
      '2008,7,C1,Tic\rket,1,2.50,card,2020-04-20', // 9 lone CR
      '2009,7,C1,Tic\0ket,1,2.50,card,2020-04-20', // 10 NUL
      '2001,7,C1,Ticket,1,2.50,card,2020-04-20', // 11 duplicate ORDER_ID
      '2011,7,C1,"Tic"ket,1,2.50,card,2020-04-20', // 12 bad quotes
    ];
    const receipt = await drop(daemon, jumbo, 'retail_20-04-2020_kinds.csv', HEADER + lines.join('\n') + '\n');
    expect(receipt.state).toBe('rejected');
    expect(receipt.counts).toEqual({ total: 11, accepted: 0, failed: 9, duplicates: 1 });
    const result = (await fetchJson(daemon, jumbo, 'retail_20-04-2020_kinds.csv.result.json')) as {
      error: { extended: { errors: { line: number; messages: string[] }[]; error_lines: number; error_fields: number } };
    };
    const byLine = Object.fromEntries(result.error.extended.errors.map((entry) => [entry.line, entry.messages]));
    expect(byLine).toEqual({
      3: ['ORDER_ID is not a valid number'],
      4: ['CUSTOMER_ID is required'],
      5: ['QUANTITY must be greater than 0'],
      6: ['AMOUNT is not a valid amount'],
      7: ['SALE_DATE is not a valid date'],
      8: ['the line has 7 fields but the header has 8'],
      9: ['the line contains a carriage return (CR) that does not end it'],
      10: ['the line contains a NUL byte'],
      11: ['ORDER_ID 2001 has already been used on channel retail'],
      12: [expect.stringContaining("the line's quoting is not valid CSV")],
    });
    expect(result.error.extended.error_lines).toBe(10);
    const rows = csvRows(await fetchOutbox(daemon, jumbo, 'retail_20-04-2020_kinds.csv.errors.csv'));
    expect(rows[0]).toEqual(['line', 'column', 'value', 'code', 'message', 'raw_line']);
    expect(rows[1]).toEqual(['3', 'ORDER_ID', 'x2002', 'invalid_number', 'ORDER_ID is not a valid number; expected a whole number, such as 1042', lines[1]]);
    expect(rows.map((row) => row[3])).toEqual(
      ['code', 'invalid_number', 'missing_field', 'not_positive', 'invalid_amount', 'invalid_date', 'ragged_line', 'lone_cr', 'nul_byte', 'duplicate_order_id', 'bad_quotes'],
    );
    // all or nothing: the good line 2 was not stored, so its ORDER_ID is still free
    const again = await drop(daemon, jumbo, 'retail_20-04-2020_again.csv', `${HEADER}${lines[0]}\n`);
    expect(again.state).toBe('processed');
  });

  it('neutralises a formula in the error log', async () => {
    const line = '=1+2,7,@SUM(A1),Ticket,-5,2.50,card,2020-04-20';
    await drop(daemon, jumbo, 'direct-mail_21-04-2020_formula.csv', `${HEADER}${line}\n`);
    const text = await fetchOutbox(daemon, jumbo, 'direct-mail_21-04-2020_formula.csv.errors.csv');
    const rows = csvRows(text);
    expect(rows.slice(1).map((row) => [row[1], row[2], row[5]])).toEqual([
      ['ORDER_ID', "'=1+2", `'${line}`],
      ['QUANTITY', "'-5", `'${line}`],
    ]);
    expect(text).not.toMatch(/(^|,)"[=+\-@\t\r]/m);
  });

  it('tolerates a BOM before the header', async () => {
    const receipt = await drop(daemon, jumbo, 'direct-mail_22-04-2020_bom.csv', `\uFEFF${HEADER}3001,7,C1,Ticket,2,5.00,cash,2020-04-22T10:15:00+02:00\n`);
    expect(receipt.state).toBe('processed');
    expect(await fetchJson(daemon, jumbo, 'direct-mail_22-04-2020_bom.csv.result.json')).toEqual({ result: 1 });
  });

  it('accepts a name once: refused, fixed and accepted, then refused as already uploaded', async () => {
    const name = 'direct-mail_23-04-2020_7.csv';
    const bad = await drop(daemon, jumbo, name, `${HEADER}4001,seven,C1,Ticket,1,2.50,card,2020-04-23\n`);
    expect(bad.state).toBe('rejected');
    const fixed = await drop(daemon, jumbo, name, `${HEADER}4001,7,C1,Ticket,1,2.50,card,2020-04-23\n`);
    expect(fixed.state).toBe('processed');
    expect(await fetchJson(daemon, jumbo, `${name}.result.json`)).toEqual({ result: 1 });
    const later = await drop(daemon, jumbo, name, `${HEADER}4002,7,C1,Ticket,1,2.50,card,2020-04-23\n`);
    expect(later.state).toBe('rejected');
    expect(later.reason).toMatchObject({ code: 'name_used' });
    expect(await fetchJson(daemon, jumbo, `${name}.result.json`)).toEqual({ result: 1 });
  });

  it('refuses an ORDER_ID an earlier file used on the channel, and takes it on another channel', async () => {
    const sale = (order: number) => `${order},7,C1,Ticket,1,2.50,card,2020-04-26`;
    expect((await drop(daemon, jumbo, 'direct-mail_26-04-2020_a.csv', `${HEADER}${sale(9001)}\n`)).state).toBe('processed');
    const reused = await drop(daemon, jumbo, 'direct-mail_26-04-2020_b.csv', `${HEADER}${sale(9002)}\n${sale(9001)}\n`);
    expect(reused.state).toBe('rejected');
    expect(reused.counts).toEqual({ total: 2, accepted: 0, failed: 0, duplicates: 1 });
    const result = (await fetchJson(daemon, jumbo, 'direct-mail_26-04-2020_b.csv.result.json')) as { error: { extended: unknown } };
    expect(result.error.extended).toEqual({
      errors: [{ line: 3, messages: ['ORDER_ID 9001 has already been used on channel direct-mail'] }],
      error_lines: 1,
      error_fields: 1,
      additional_errors: 0,
    });
    expect((await drop(daemon, jumbo, 'retail_26-04-2020_a.csv', `${HEADER}${sale(9001)}\n`)).state).toBe('processed');
    const ids = Object.fromEntries((await daemon.ledger('jumbo')).map((row) => [row.name, row.id]));
    const stored = await daemon.rows('SELECT order_id, channel, file_id FROM pbj_sales WHERE order_id IN (9001, 9002) ORDER BY id');
    expect(stored).toEqual([
      { order_id: 9001, channel: 'direct-mail', file_id: ids['direct-mail_26-04-2020_a.csv'] },
      { order_id: 9001, channel: 'retail', file_id: ids['retail_26-04-2020_a.csv'] },
    ]);
  });

  it('answers a file that is not UTF-8 with the 400 body, storing nothing', async () => {
    const name = 'direct-mail_27-04-2020_latin.csv';
    const bytes = Buffer.concat([Buffer.from(`${HEADER}9101,7,Jos`), Buffer.from([0xe9]), Buffer.from(',Ticket,1,2.50,card,2020-04-27\n')]);
    const receipt = await drop(daemon, jumbo, name, bytes);
    expect(receipt.state).toBe('rejected');
    const message = `the file is not valid UTF-8: the byte at offset ${HEADER.length + 10} (counting from 0) does not begin or continue a UTF-8 character; save the file as UTF-8`;
    expect(receipt.reason).toEqual({ code: 'not_utf8', message });
    expect(await fetchJson(daemon, jumbo, `${name}.result.json`)).toEqual({ error: { code: 400, message } });
    expect(await daemon.value('SELECT count(*) FROM pbj_sales WHERE order_id = 9101')).toBe(0);
  });

  it('lists at most 20 problems of a line, however many its header has, and counts them all', async () => {
    const repeated = Array.from({ length: 3000 }, () => 'ORDER_ID').join(',');
    const name = 'direct-mail_25-04-2020_wide.csv';
    const receipt = await drop(daemon, jumbo, name, `${HEADER.trimEnd()},${repeated}\n6001,7,C1,Ticket,1,2.50,card,2020-04-25\n`);
    expect(receipt.state).toBe('rejected');
    const result = (await fetchJson(daemon, jumbo, `${name}.result.json`)) as {
      error: { extended: { errors: { line: number; messages: string[] }[]; error_fields: number } };
    };
    const [header] = result.error.extended.errors;
    expect(header?.line).toBe(1);
    expect(header?.messages).toHaveLength(20);
    expect(header?.messages.at(0)).toBe('the header names the column ORDER_ID twice');
    expect(header?.messages.at(-1)).toBe('the line has 2981 more problems, not listed');
    expect(result.error.extended.error_fields).toBe(3000);
    // every listed problem repeats the raw line: the log stays at 20 rows of it, not 3000
    const rows = csvRows(await fetchOutbox(daemon, jumbo, `${name}.errors.csv`));
    expect(rows).toHaveLength(1 + 20);
    expect(rows.at(-1)?.[3]).toBe('more_problems');
  });

  it('warns of thousands of unknown columns in one receipt line, listing 20', async () => {
    const unknown = Array.from({ length: 3000 }, (_, i) => `COLUMN_${i}`).join(',');
    const receipt = await drop(daemon, jumbo, 'direct-mail_25-04-2020_unknown.csv', `${HEADER.trimEnd()},${unknown}\n6101,7,C1,Ticket,1,2.50,card,2020-04-25${',x'.repeat(3000)}\n`);
    expect(receipt.state).toBe('processed');
    expect(receipt.warnings).toEqual([expect.stringMatching(/^the header names 3000 columns this format does not know, ignored with its values: COLUMN_0 \(column 9\), .*COLUMN_19 \(column 28\) and 2980 more$/)]);
  });

  it('reports a duplicate header name on line 1', async () => {
    const receipt = await drop(daemon, jumbo, 'direct-mail_24-04-2020_hdr.csv', `ORDER_ID,ORDER_ID,${HEADER.slice(9)}5001,5001,7,C1,Ticket,1,2.50,card,2020-04-24\n`);
    expect(receipt.state).toBe('rejected');
    const result = (await fetchJson(daemon, jumbo, 'direct-mail_24-04-2020_hdr.csv.result.json')) as { error: { extended: { errors: unknown[] } } };
    expect(result.error.extended.errors).toEqual([{ line: 1, messages: ['the header names the column ORDER_ID twice'] }]);
  });
});
