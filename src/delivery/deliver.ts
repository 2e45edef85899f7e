/**
 * The one way a complete upload reaches a watched folder, whichever protocol brought it: its bytes
 * are in a spool file (never watched), fsynced, then hard-linked into place, which is an atomic
 * rename that never replaces a file of the same name. A crash at any point leaves either nothing
 * in the inbox or the whole file.
 */
import { createHash, randomUUID } from 'node:crypto';
import { open, readdir, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { DataLayout, UploadArea } from '../data-layout.js';
import { ensureDir, errnoCode, fsyncFile, moveNoReplace } from '../fs/durable.js';
import { DeliveryRefusal, tooLarge } from './refusal.js';

/** The upload limit of a partner: its own setting, else the configured default. */
export function uploadLimit(partnerMaxBytes: number | null, defaultMaxBytes: number): number {
  return partnerMaxBytes ?? defaultMaxBytes;
}

/**
 * Moves a finished, fsynced spool file to `finalPath`; a file already waiting under that name is
 * never replaced (the spool file stays, so the caller may retry or discard it).
 */
export async function linkIntoPlace(spoolPath: string, finalPath: string, name: string): Promise<void> {
  try {
    await moveNoReplace(spoolPath, finalPath);
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') {
      throw new DeliveryRefusal('name_waiting', `a file named ${name} is already waiting to be processed; the upload is kept and can be retried`);
    }
    throw err;
  }
}

export interface StreamTarget {
  /** A spool file of this delivery's own: created exclusively, deleted on any failure. */
  spoolPath: string;
  name: string;
  maxBytes: number;
}

export interface Spooled {
  spoolPath: string;
  size: number;
  sha256: string;
}

/**
 * Writes a body as it arrives to its spool file, refusing it as soon as it passes `maxBytes`
 * (before those bytes reach the disk), then fsyncs it. On any failure (the limit, the sender
 * going away, the disk) the spool file is deleted: an unfinished body leaves nothing behind.
 */
export async function spoolStream(body: AsyncIterable<Buffer | string> & Partial<Pick<Readable, 'destroy'>>, target: StreamTarget): Promise<Spooled> {
  const file = await open(target.spoolPath, 'wx', 0o640);
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const piece of body) {
      const chunk = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
      size += chunk.length;
      if (size > target.maxBytes) throw tooLarge(target.name, target.maxBytes, size);
      hash.update(chunk);
      await file.write(chunk);
    }
    await fsyncFile(file.fd);
  } catch (err) {
    await file.close().catch(() => undefined);
    await unlink(target.spoolPath).catch(() => undefined);
    body.destroy?.();
    throw err;
  }
  await file.close();
  return { spoolPath: target.spoolPath, size, sha256: hash.digest('hex') };
}

export interface Delivery {
  partner: string;
  area: UploadArea;
  /** The name it gets in the partner's folder (checked by the caller). */
  name: string;
  maxBytes: number;
  body: AsyncIterable<Buffer | string> & Partial<Pick<Readable, 'destroy'>>;
  /**
   * While a file of the name waits in the folder, try again until this aborts (then refuse):
   * the waiting file's answer decides what this one gets (PBJ: "already uploaded").
   */
  waitForName?: AbortSignal;
}

const NAME_RETRY_MS = 25;

/**
 * A whole body into a partner's folder: spooled under a name of its own, fsynced, linked in.
 * Refused (and nothing kept) past the limit, or when a file of the name is waiting there.
 */
export async function deliverStream(layout: DataLayout, delivery: Delivery): Promise<Spooled> {
  const dir = layout.deliverySpoolDir(delivery.partner);
  await ensureDir(dir);
  const spooled = await spoolStream(delivery.body, { spoolPath: path.join(dir, `${randomUUID()}.part`), name: delivery.name, maxBytes: delivery.maxBytes });
  const finalPath = path.join(layout.areaDir(delivery.partner, delivery.area), delivery.name);
  try {
    for (;;) {
      try {
        await linkIntoPlace(spooled.spoolPath, finalPath, delivery.name);
        return spooled;
      } catch (err) {
        const waiting = err instanceof DeliveryRefusal && err.kind === 'name_waiting';
        if (!waiting || !delivery.waitForName || delivery.waitForName.aborted) throw err;
        await new Promise((resolve) => setTimeout(resolve, NAME_RETRY_MS));
      }
    }
  } catch (err) {
    await unlink(spooled.spoolPath).catch(() => undefined);
    throw err;
  }
}

/** Deletes bodies a stopped daemon left half-received: nobody can resume them. */
export async function clearDeliverySpools(layout: DataLayout): Promise<void> {
  let partners: string[];
  try {
    partners = await readdir(layout.spoolRoot);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  for (const partner of partners) await rm(layout.deliverySpoolDir(partner), { recursive: true, force: true });
}
