/**
 * Inflates a compressed upload's members into a scratch folder in the spool, never into a watched
 * one: gzip with Node's zlib, zip with yauzl (which reads the central directory and checks each
 * member's declared sizes), OpenPGP with OpenPGP.js (`decrypt.ts`). Every limit is checked while the bytes come out, so a bomb costs at
 * most one limit's worth of disk and never more memory than a stream's buffers. Each member is
 * hashed as it is written and fsynced before it is handed back.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import yauzl from 'yauzl';
import { inflateProblem, memberNameProblem, type Envelope, type InflateLimits, type MemberProblem } from '../core/envelope.js';
import { errorMessage } from '../core/errors.js';
import { ensureDir } from '../fs/durable.js';
import { decryptedStream, decryptionProblem, type PgpKeys } from './decrypt.js';

/** One file that came out, waiting in the scratch folder. */
export interface InflatedMember {
  name: string;
  /** Where it waits; the caller links it into place or deletes it. */
  temp: string;
  sha256: string;
  size: number;
}

/** A refusal of the whole compressed file: nothing of it is taken. */
export class EnvelopeRefused extends Error {
  constructor(readonly problem: MemberProblem) {
    super(problem.message);
  }
}

/** Where the keys for an encrypted upload come from, when one comes. */
export type PgpKeySource = () => Promise<PgpKeys | MemberProblem>;

/** Inflates (or decrypts) every member of `source` (`compressedBytes` long) into `scratch`; throws EnvelopeRefused. */
export async function inflateMembers(
  envelope: Envelope,
  source: string,
  compressedBytes: number,
  scratch: string,
  limits: InflateLimits,
  pgp: PgpKeySource,
): Promise<InflatedMember[]> {
  await ensureDir(scratch);
  const budget = new InflateBudget(compressedBytes, limits);
  const members: InflatedMember[] = [];
  try {
    if (envelope.kind !== 'zip') {
      const name = envelope.inner as string;
      const problem = memberNameProblem(name);
      if (problem) throw new EnvelopeRefused(problem);
      if (envelope.kind === 'gzip') {
        members.push(await writeMember(name, createReadStream(source).pipe(createGunzip()), scratch, budget, notReadable('gzip')));
      } else {
        members.push(await writeMember(name, await decrypted(source, pgp), scratch, budget, decryptionProblem));
      }
    } else {
      for await (const entry of zipEntries(source, limits)) {
        members.push(await writeMember(entry.name, await entry.open(), scratch, budget, notReadable('zip')));
      }
    }
    return members;
  } catch (err) {
    await Promise.all(members.map((member) => unlink(member.temp).catch(() => undefined)));
    throw err;
  }
}

/** What has come out so far, against the limits. */
class InflateBudget {
  private inflated = 0;
  constructor(
    private readonly compressed: number,
    private readonly limits: InflateLimits,
  ) {}

  /** Counts `bytes` more of `member` (at `memberBytes` now); throws once a limit is passed. */
  take(member: string, memberBytes: number, bytes: number): void {
    this.inflated += bytes;
    const problem = inflateProblem(member, memberBytes, this.inflated, this.compressed, this.limits);
    if (problem) throw new EnvelopeRefused(problem);
  }
}

const notReadable =
  (kind: 'gzip' | 'zip') =>
  (err: unknown): MemberProblem => ({ code: 'not_compressed', message: `the file is not readable ${kind}: ${errorMessage(err)}` });

async function decrypted(source: string, pgp: PgpKeySource): Promise<Readable> {
  const keys = await pgp();
  if ('code' in keys) throw new EnvelopeRefused(keys);
  const stream = await decryptedStream(source, keys);
  if ('code' in stream) throw new EnvelopeRefused(stream);
  return stream;
}

/** Writes one member, counting it against the budget; a stream's failure is refused as `failure` says. */
async function writeMember(name: string, content: Readable, scratch: string, budget: InflateBudget, failure: (err: unknown) => MemberProblem): Promise<InflatedMember> {
  const temp = path.join(scratch, `${randomBytes(8).toString('hex')}.member`);
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      try {
        budget.take(name, size, chunk.length);
      } catch (err) {
        done(err as Error);
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(content, meter, createWriteStream(temp, { flags: 'wx', mode: 0o640 }));
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    if (err instanceof EnvelopeRefused) throw err;
    throw new EnvelopeRefused(failure(err));
  }
  // on disk before it is linked into an inbox: an fsync through any descriptor flushes the file
  const handle = await open(temp, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { name, temp, sha256: hash.digest('hex'), size };
}

interface ZipEntry {
  name: string;
  open(): Promise<Readable>;
}

/**
 * The members of a zip, after the whole central directory has been read and judged: the count,
 * every name, duplicates and every declared size are checked before the first byte is inflated.
 */
async function* zipEntries(source: string, limits: InflateLimits): AsyncGenerator<ZipEntry> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(source, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false, decodeStrings: true, autoClose: false }, (err, file) =>
      err ? reject(unreadable(err)) : resolve(file),
    ),
  );
  try {
    const entries = await readDirectory(zip, limits);
    for (const entry of entries) {
      yield {
        name: entry.fileName,
        open: () =>
          new Promise<Readable>((resolve, reject) => zip.openReadStream(entry, (err, stream) => (err ? reject(unreadable(err)) : resolve(stream)))),
      };
    }
  } finally {
    zip.close();
  }
}

function readDirectory(zip: yauzl.ZipFile, limits: InflateLimits): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    const seen = new Set<string>();
    zip.on('error', (err: Error) => reject(unreadable(err)));
    zip.on('end', () => {
      if (entries.length === 0) reject(new EnvelopeRefused({ code: 'not_compressed', message: 'the zip archive holds no file' }));
      else resolve(entries);
    });
    zip.on('entry', (entry: yauzl.Entry) => {
      const problem = entryProblem(entry, seen, entries.length, limits);
      if (problem) {
        reject(new EnvelopeRefused(problem));
        return;
      }
      seen.add(entry.fileName);
      entries.push(entry);
      zip.readEntry();
    });
    zip.readEntry();
  });
}

function entryProblem(entry: yauzl.Entry, seen: ReadonlySet<string>, before: number, limits: InflateLimits): MemberProblem | undefined {
  const name = entry.fileName;
  if (before + 1 > limits.maxMembers) return { code: 'too_many_members', message: `the zip archive holds more than ${limits.maxMembers} files; nothing of it was taken` };
  const problem = memberNameProblem(name);
  if (problem) return problem;
  if (seen.has(name)) return { code: 'archive_member_name', message: `the zip archive holds two files named "${name}"; nothing of it was taken` };
  if (entry.uncompressedSize > limits.maxBytes) {
    return { code: 'inflated_too_large', message: `"${name}" inflates to ${entry.uncompressedSize} bytes, more than the upload limit of ${limits.maxBytes}; nothing of this file was taken` };
  }
  return undefined;
}

/** yauzl refuses a member name that is a path on its own; posdrop says it as its own refusal. */
const YAUZL_PATH = /^(?:invalid relative path|absolute path|invalid characters in fileName): (.*)$/s;

function unreadable(err: Error): EnvelopeRefused {
  const path = YAUZL_PATH.exec(err.message);
  if (path) return new EnvelopeRefused(memberNameProblem(path[1] as string) ?? { code: 'archive_member_path', message: `the archive member "${path[1]}" has a path; nothing of the archive was taken` });
  return new EnvelopeRefused({ code: 'not_compressed', message: `the file is not a readable zip archive: ${err.message}` });
}
