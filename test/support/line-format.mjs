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
 * The stand-in's writes on the file's transaction, on either engine: `store` takes a chunk of
 * `{ line, position }` and answers, for each, whether it counts as accepted (new, or stored before
 * by this very line of this file) rather than a duplicate. SQLite takes them one by one; PostgreSQL
 * a chunk in one statement, as a real format's bulk write would.
 */
async function statements(handle, spec) {
  if (handle.engine === 'sqlite') {
    const { db } = handle;
    db.exec(TABLES);
    const append = db.prepare('INSERT INTO test_appended (partner, format, line) VALUES (?, ?, ?)');
    const unique = db.prepare('INSERT OR IGNORE INTO test_records (partner, format, line, file_id, position) VALUES (?, ?, ?, ?, ?)');
    const holder = db.prepare('SELECT file_id AS fileId, position FROM test_records WHERE partner = ? AND format = ? AND line = ?');
    return {
      store: (partner, fileId, chunk) =>
        chunk.map(({ line, position }) => {
          if (spec.dedupe.appendOnly) return append.run(partner, spec.id, line).changes === 1;
          if (unique.run(partner, spec.id, line, fileId, position).changes === 1) return true;
          const held = holder.get(partner, spec.id, line);
          return held?.fileId === fileId && held.position === position;
        }),
    };
  }
  const { client } = handle;
  // two files' transactions creating the tables at once would collide in the catalogue
  await client.query("SELECT pg_advisory_xact_lock(hashtext('test_records'))");
  await client.query(TABLES);
  let analyzed = false;
  return {
    async store(partner, fileId, chunk) {
      const lines = chunk.map((entry) => entry.line);
      if (spec.dedupe.appendOnly) {
        await client.query('INSERT INTO test_appended (partner, format, line) SELECT $1, $2, l FROM unnest($3::text[]) AS t(l)', [partner, spec.id, lines]);
        return chunk.map(() => true);
      }
      const positions = chunk.map((entry) => entry.position);
      const stored = await client.query(
        'INSERT INTO test_records (partner, format, line, file_id, position) SELECT $1, $2, l, $3, p FROM unnest($4::text[], $5::int[]) AS t(l, p) ON CONFLICT DO NOTHING RETURNING position',
        [partner, spec.id, fileId, lines, positions],
      );
      const fresh = new Set(stored.rows.map((row) => Number(row.position)));
      if (fresh.size === chunk.length) return chunk.map(() => true);
      // A table filled a moment ago has no statistics yet, and without them the planner reads the
      // partner's every row for each chunk (450,000 of them in the reprocess test): gather them once.
      if (!analyzed) await client.query('ANALYZE test_records');
      analyzed = true;
      const held = await client.query('SELECT line, file_id AS "fileId", position FROM test_records WHERE partner = $1 AND format = $2 AND line = ANY($3)', [
        partner,
        spec.id,
        lines.filter((_, i) => !fresh.has(positions[i])),
      ]);
      const holders = new Map(held.rows.map((row) => [row.line, row]));
      return chunk.map(({ line, position }) => {
        if (fresh.has(position)) return true;
        const holder = holders.get(line);
        return Number(holder?.fileId) === fileId && Number(holder?.position) === position;
      });
    },
  };
}

function processor(spec, options) {
  return {
    outputs: ['.errors.json'],
    async process(ctx) {
      const db = await statements(ctx.store.handle, spec);
      const counts = { total: 0, accepted: 0, failed: 0, duplicates: 0 };
      let chunk = [];
      const flush = async () => {
        for (const accepted of await db.store(ctx.partner.id, ctx.file.id, chunk)) {
          if (accepted) counts.accepted += 1;
          else counts.duplicates += 1;
        }
        chunk = [];
      };
      // Streamed, as the real processors do: the file stays open while it is read.
      for await (const line of createInterface({ input: createReadStream(ctx.source), crlfDelay: Infinity })) {
        if (line.trim() === '') continue;
        counts.total += 1;
        if (line.startsWith('bad')) {
          ctx.errors.add({ position: counts.total, code: 'invalid_line', message: 'the line starts with "bad"', value: line });
          counts.failed += 1;
        } else {
          chunk.push({ line, position: counts.total });
          if (chunk.length === 1000) await flush();
        }
      }
      await flush();
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
