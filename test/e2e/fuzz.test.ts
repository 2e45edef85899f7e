/**
 * The short fuzz run (`npm run fuzz` runs 10,000 inputs per format), and every input a fuzz run
 * ever found in trouble (fixtures/fuzz/): each must end in a receipt, nothing logged as an error.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFormatId, FORMAT_IDS } from '../../src/formats/types.js';
import { runFuzz } from '../../torture/fuzz-run.js';
import { FUZZ_PARTNERS, FUZZ_TOOLBOX } from '../../torture/corpus.js';
import { TestDaemon, type TestPartner } from '../support/daemon.js';
import { drop } from '../support/drop.js';

const FINDINGS = path.resolve(import.meta.dirname, '../../fixtures/fuzz');

describe('fuzzing every format through the daemon', () => {
  it('ends every mutated input in a receipt: accepted, partly accepted or refused with a reason', { timeout: 300_000 }, async () => {
    const report = await runFuzz({ perFormat: 250, seed: 20261201 });
    expect(report.findings.map(({ data, ...finding }) => ({ ...finding, bytes: data.length }))).toEqual([]);
    for (const format of FORMAT_IDS) {
      const tally = report.tallies[format]!;
      expect(tally.inputs).toBe(250);
      expect(tally.processed + tally.partial + tally.rejected).toBe(250);
      // the mutations reach the record checks, not only the file's first byte
      expect(tally.processed + tally.partial, format).toBeGreaterThan(0);
      expect(tally.rejected, format).toBeGreaterThan(0);
    }
    expect(report.peakRssMb).toBeLessThan(400);
  });
});

describe('inputs fuzzing found in trouble', () => {
  let daemon: TestDaemon;
  const partners = new Map<string, TestPartner>();

  beforeAll(async () => {
    daemon = await TestDaemon.start({ clienttoolbox: { [FUZZ_PARTNERS['clienttoolbox-transactions']]: FUZZ_TOOLBOX } });
    for (const format of FORMAT_IDS) {
      const id = FUZZ_PARTNERS[format];
      partners.set(format, await daemon.addPartner({ id, clientId: id, formats: [format] }));
    }
  });
  afterAll(() => daemon.destroy());

  it('answers each with a final state and its reason', async () => {
    const formats = (await readdir(FINDINGS, { withFileTypes: true })).filter((entry) => entry.isDirectory() && isFormatId(entry.name));
    let seen = 0;
    for (const format of formats) {
      for (const name of await readdir(path.join(FINDINGS, format.name))) {
        const receipt = await drop(daemon, partners.get(format.name)!, name, await readFile(path.join(FINDINGS, format.name, name)));
        expect(['processed', 'rejected'], `${format.name}/${name}`).toContain(receipt.state);
        if (receipt.state === 'rejected') expect(receipt.reason).toMatchObject({ code: expect.any(String), message: expect.any(String) });
        seen += 1;
      }
    }
    expect(seen).toBeGreaterThan(0);
    expect(daemon.logs.filter((line) => line.level === 'error')).toEqual([]);
  });
});
