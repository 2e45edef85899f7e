/**
 * Two nodes on one PostgreSQL database and one data directory, in one process: each has its row
 * in `nodes` and its own spool and runtime file, and a file that one node processes ends the wait
 * of the other node that received it (an API upload, whose answer that node owes).
 */
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInFormat, type FormatLookup } from '../../src/formats/registry.js';
import type { FormatProcessor } from '../../src/pipeline/processor.js';
import { nodeAlive } from '../../src/store/nodes.js';
import { sha256, TestDaemon, waitFor } from '../support/daemon.js';
import { havePostgres, startPostgres, type PostgresServer } from '../support/postgres.js';

const CARMA = 'carma-purchase-history';

/** The built-in formats, with Carma's processing held until `open()`: a file stays `processing` on its node meanwhile. */
function gatedCarma(): { formats: FormatLookup; open: () => void } {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const formats: FormatLookup = (id) => {
    const spec = builtInFormat(id);
    const inner = spec?.processor;
    if (id !== CARMA || !spec || !inner) return spec;
    const processor: FormatProcessor = Object.assign(Object.create(inner) as FormatProcessor, {
      process: async (ctx: Parameters<FormatProcessor['process']>[0]) => {
        await gate;
        return inner.process(ctx);
      },
    });
    return { ...spec, processor };
  };
  return { formats, open };
}

describe.skipIf(!havePostgres('cluster-nodes'))('two nodes on one store', () => {
  let server: PostgresServer;
  let a: TestDaemon | undefined;
  let b: TestDaemon;
  const gate = gatedCarma();

  beforeAll(async () => {
    server = await startPostgres();
    const url = await server.createDatabase('nodes');
    b = await TestDaemon.start({ store: { url, node_id: 'node-b' } }, { formats: gate.formats });
    await b.addPartner({ id: 'carma', formats: [CARMA] });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.destroy();
    server?.stop();
  });

  it('settles the wait of the node that received a file when the other node processes it', async () => {
    const name = 'purchasehistory_L1_example.csv';
    const content = await readFile(new URL(`../../fixtures/carma/${name}`, import.meta.url));
    // node B finds the file in the shared inbox and holds it, processing, until the gate opens
    const inbox = b.path('partners', 'carma', 'inbox');
    await writeFile(path.join(inbox, `.${name}.tmp`), content);
    await rename(path.join(inbox, `.${name}.tmp`), path.join(inbox, name));
    const taken = await waitFor(async () => (await b.ledger('carma')).find((row) => row.name === name && row.state === 'processing'));

    // node A starts on the same folder and store, and is handed the file as the partner API hands it over
    a = await TestDaemon.start({ store: { url: b.config.store.url, node_id: 'node-a' } }, { dataDir: b.dataDir });
    const outcome = a.app.running.intake.submit({ partner: 'carma', area: 'inbox', name, sha256: sha256(content), via: 'http' });
    await a.idle(); // A has looked at it, found it in B's hands, and left it there
    expect((await a.ledger('carma')).find((row) => row.id === taken.id)?.state).toBe('processing');

    gate.open();
    const settled = await outcome;
    expect(settled).toMatchObject({ id: taken.id, state: 'processed', counts: { total: 6, accepted: 6, failed: 0 } });
    expect(b.logs.some((line) => line.event === 'file.processed' && line.id === taken.id)).toBe(true);
    expect(a.logs.some((line) => line.event === 'file.processed')).toBe(false);
  });

  it('gives each node its row, beaten while it runs, and its own runtime file and spool', async () => {
    const nodes = await b.app.running.store.nodes.list();
    expect(nodes.map((node) => node.id)).toEqual(['node-a', 'node-b']);
    for (const node of nodes) expect(nodeAlive(node, new Date())).toBe(true);
    for (const [daemon, id] of [[a, 'node-a'], [b, 'node-b']] as const) {
      expect(daemon?.app.layout.runtimeFile).toBe(path.join(b.dataDir, 'nodes', id, 'daemon.json'));
      expect(existsSync(path.join(b.dataDir, 'nodes', id, 'daemon.json'))).toBe(true);
    }
    expect(existsSync(path.join(b.dataDir, 'daemon.json'))).toBe(false);
  });
});
