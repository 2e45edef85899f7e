/**
 * The formats whose lines are judged against what earlier lines stored, run whole through their
 * processors on both engines: the same file gives the same answer, counts and rows on SQLite
 * (line by line) and on PostgreSQL (a piece of input prepared at once, written by COPY).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { enginesFor, stopEngines, type EngineUnderTest } from '../../test/support/engine-stores.js';
import { defaultConfig } from '../config/schema.js';
import { ErrorCollector } from '../pipeline/error-collector.js';
import { OutputFiles } from '../pipeline/output-files.js';
import type { FormatProcessor, ProcessOutcome } from '../pipeline/processor.js';
import type { FormatSpec } from './types.js';
import { clienttoolboxTransactions } from './clienttoolbox-transactions/spec.js';
import { crowdtwistPos } from './crowdtwist-pos/spec.js';
import { pbjOfflineSales } from './pbj-offline-sales/spec.js';

afterAll(stopEngines);

function processorOf(spec: FormatSpec): FormatProcessor {
  if (!spec.processor) throw new Error(`${spec.id} has no processor`);
  return spec.processor;
}

const fixture = (name: string) => readFile(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8');

interface Run {
  outcome: ProcessOutcome;
  /** The outbox files the run wrote, by suffix. */
  outputs: Record<string, string>;
  errors: readonly { position: number; code: string }[];
}

/** Processes `content` as file `fileId` of acme in one transaction, as the pipeline does; rolled back when refused whole. */
async function processFile(engine: EngineUnderTest, processor: FormatProcessor, fileId: number, name: string, content: string, extra: object = {}): Promise<Run> {
  const dir = await mkdtemp(path.join(tmpdir(), 'posdrop-formats-'));
  try {
    const source = path.join(dir, name);
    await writeFile(source, content);
    const outputs = new OutputFiles(path.join(dir, 'outbox'), name);
    const errors = new ErrorCollector();
    const config = defaultConfig();
    config.clienttoolbox.acme = { ...defaultConfig().clienttoolbox.demo } as (typeof config.clienttoolbox)[string];
    const work = async (tx: Parameters<Parameters<typeof engine.store.transaction>[0]>[0]) => {
      const file = { ...(await tx.ledger.get(fileId)), name, ...extra } as never;
      const partner = (await tx.partners.get('acme')) as never;
      return processor.process({ file, partner, source, store: tx, config, now: () => new Date('2026-01-02T10:00:00Z'), dryRun: false, errors, outputs });
    };
    const outcome = await engine.store.transaction(async (tx) => {
      const done = await work(tx);
      if (done.rejection) throw Object.assign(new Error('refused'), { done });
      return done;
    }).catch((err: { done?: ProcessOutcome }) => {
      if (!err.done) throw err;
      return err.done;
    });
    const written: Record<string, string> = {};
    for (const finalName of await outputs.commit()) written[finalName.slice(name.length)] = await readFile(path.join(dir, 'outbox', finalName), 'utf8');
    return { outcome, outputs: written, errors: errors.errors.map((error) => ({ position: error.position, code: error.code })) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe.each(enginesFor('format processors'))('formats on %s', (_name, open, skip) => {
  it.skipIf(skip)("PBJ: a bad or repeated ORDER_ID refuses the file, listed in line order; another file's ORDER_ID is a duplicate", async () => {
    const engine = await open();
    try {
      const header = 'ORDER_ID,DRAW_NO,CUSTOMER_ID,PRODUCT,QUANTITY,AMOUNT,PAYMENT_METHOD,SALE_DATE\n';
      const line = (order: string | number) => `${order},42,CUST,Ticket,1,2.50,card,2020-04-01\n`;
      const fields = { channel: 'direct-mail' };
      const good = await processFile(engine, processorOf(pbjOfflineSales), 1, 'direct-mail_1.csv', await fixture('pbj/direct-mail_20-04-2020_1.csv'), { fields });
      expect(good.outcome.counts).toEqual({ total: 34, accepted: 34, failed: 0, duplicates: 0 });
      expect(JSON.parse(good.outputs['.result.json'] ?? '')).toEqual({ result: 34 });
      const bad = await processFile(engine, processorOf(pbjOfflineSales), 2, 'direct-mail_2.csv', header + line(5000) + line('x') + line(5000) + 'short,line\n' + line(1001) + line(5001), { fields });
      expect(bad.outcome.rejection?.code).toBe('invalid_content');
      expect(bad.outcome.counts).toMatchObject({ total: 6, failed: 2, duplicates: 2 });
      const answer = JSON.parse(bad.outputs['.result.json'] ?? '') as { error: { extended: { errors: { line: number; messages: string[] }[] } } };
      expect(answer.error.extended.errors.map((failed) => [failed.line, failed.messages[0]])).toEqual([
        [3, 'ORDER_ID is not a valid number'],
        [4, 'ORDER_ID 5000 has already been used on channel direct-mail'],
        [5, 'the line has 2 fields but the header has 8'],
        [6, 'ORDER_ID 1001 has already been used on channel direct-mail'],
      ]);
      expect(bad.errors.map((error) => error.position)).toEqual([3, 4, 5, 6]);
      expect(await engine.rows('SELECT count(*) AS n FROM pbj_sales')).toEqual([{ n: 34 }]);
    } finally {
      await engine.close();
    }
  });

  it.skipIf(skip)("Client Toolbox: the guide's batch answers as the guide says, and processed again posts nothing twice", async () => {
    const engine = await open();
    try {
      const content = await fixture('clienttoolbox/transactions_20100315_guide.psv');
      const expected = await fixture('clienttoolbox/expected/transactions_20100315_guide.psv.result.xml');
      const format = { format: 'clienttoolbox-transactions', senderOptions: null };
      const first = await processFile(engine, processorOf(clienttoolboxTransactions), 1, 'transactions_20100315_guide.psv', content, format);
      expect(first.outputs['.result.xml']).toBe(expected);
      const again = await processFile(engine, processorOf(clienttoolboxTransactions), 1, 'transactions_20100315_guide.psv', content, format);
      expect(again.outputs['.result.xml']).toBe(expected);
      expect(await engine.rows('SELECT count(*) AS n FROM toolbox_entries')).toEqual([{ n: 6 }]);
      const [balance] = await engine.rows<{ balance: number }>('SELECT balance FROM toolbox_balances');
      const [sum] = await engine.rows<{ points: number }>('SELECT sum(delta) AS points FROM toolbox_entries');
      expect(Number(balance?.balance)).toBe(Number(sum?.points));
    } finally {
      await engine.close();
    }
  });

  it.skipIf(skip)('CrowdTwist: the seed example is stored, and the same file sent as another is all duplicates', async () => {
    const engine = await open();
    try {
      const content = await fixture('crowdtwist/seed-example.json');
      const first = await processFile(engine, processorOf(crowdtwistPos), 1, 'pos_20260102_0001.json', content);
      const { total } = first.outcome.counts;
      expect(total).toBeGreaterThan(1);
      const second = await processFile(engine, processorOf(crowdtwistPos), 2, 'pos_20260102_0002.json', content);
      expect(second.outcome.counts).toEqual({ total, accepted: 0, failed: first.outcome.counts.failed, duplicates: first.outcome.counts.accepted });
      const again = await processFile(engine, processorOf(crowdtwistPos), 1, 'pos_20260102_0001.json', content);
      expect(again.outcome.counts).toEqual(first.outcome.counts);
    } finally {
      await engine.close();
    }
  });
});
