// A stand-in processor for the built-in formats, for tests of the parts around the format
// pipelines (metrics, reprocess, shutdown): every non-empty line is one record; a line starting
// with "bad" fails; a line stored before by another file or line is a duplicate, one this very
// line of this file stored (a reprocess) is accepted again (append-only formats store it again).
// Plain JavaScript so that a child daemon process can load it beside the compiled dist/.
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

const TABLES = `
CREATE TABLE IF NOT EXISTS test_records (partner TEXT, format TEXT, line TEXT, file_id INTEGER, position INTEGER, UNIQUE (partner, format, line));
CREATE TABLE IF NOT EXISTS test_appended (partner TEXT, format TEXT, line TEXT);`;

/** Waits while `gate` names a file that does not exist yet (a test opens the gate by creating it). */
async function waitForGate(gate) {
  while (gate && !existsSync(gate)) await sleep(20);
}

/**
 * The two statements of the stand-in on the file's transaction, on either engine: `store` returns
 * whether the line was new, `holder` which file and position stored it.
 */
async function statements(handle, spec) {
  if (handle.engine === 'sqlite') {
    const { db } = handle;
    db.exec(TABLES);
    const append = db.prepare('INSERT INTO test_appended (partner, format, line) VALUES (?, ?, ?)');
    const unique = db.prepare('INSERT OR IGNORE INTO test_records (partner, format, line, file_id, position) VALUES (?, ?, ?, ?, ?)');
    const holder = db.prepare('SELECT file_id AS fileId, position FROM test_records WHERE partner = ? AND format = ? AND line = ?');
    return {
      store: (partner, line, fileId, position) =>
        (spec.dedupe.appendOnly ? append.run(partner, spec.id, line) : unique.run(partner, spec.id, line, fileId, position)).changes === 1,
      holder: (partner, line) => holder.get(partner, spec.id, line),
    };
  }
  const { client } = handle;
  // two files' transactions creating the tables at once would collide in the catalogue
  await client.query("SELECT pg_advisory_xact_lock(hashtext('test_records'))");
  await client.query(TABLES);
  return {
    store: async (partner, line, fileId, position) =>
      (spec.dedupe.appendOnly
        ? await client.query('INSERT INTO test_appended (partner, format, line) VALUES ($1, $2, $3)', [partner, spec.id, line])
        : await client.query('INSERT INTO test_records (partner, format, line, file_id, position) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [partner, spec.id, line, fileId, position])
      ).rowCount === 1,
    holder: async (partner, line) =>
      (await client.query('SELECT file_id AS "fileId", position FROM test_records WHERE partner = $1 AND format = $2 AND line = $3', [partner, spec.id, line])).rows[0],
  };
}

function processor(spec, options) {
  return {
    outputs: ['.errors.json'],
    async process(ctx) {
      const db = await statements(ctx.store.handle, spec);
      const counts = { total: 0, accepted: 0, failed: 0, duplicates: 0 };
      // Streamed, as the real processors do: the file stays open while it is read.
      for await (const line of createInterface({ input: createReadStream(ctx.source), crlfDelay: Infinity })) {
        if (line.trim() === '') continue;
        counts.total += 1;
        if (line.startsWith('bad')) {
          ctx.errors.add({ position: counts.total, code: 'invalid_line', message: 'the line starts with "bad"', value: line });
          counts.failed += 1;
        } else if (await db.store(ctx.partner.id, line, ctx.file.id, counts.total)) counts.accepted += 1;
        else {
          const held = await db.holder(ctx.partner.id, line);
          if (held?.fileId === ctx.file.id && held.position === counts.total) counts.accepted += 1;
          else counts.duplicates += 1;
        }
      }
      await waitForGate(options.gate);
      if (ctx.errors.count > 0) await ctx.outputs.put('.errors.json', `${JSON.stringify(ctx.errors.errors)}\n`);
      return { counts };
    },
  };
}

/** A format lookup: the built-in specs (name rules, policies) with the line processor. */
export function lineFormats(builtIns, options = {}) {
  const byId = new Map(builtIns.map((spec) => [spec.id, { ...spec, processor: processor(spec, options) }]));
  return (id) => byId.get(id);
}
