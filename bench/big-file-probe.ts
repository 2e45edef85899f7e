/**
 * One 51 MB CrowdTwist batch uploaded alone over SFTP, while another partner's session sends
 * `stat` after `stat`: the batch's ingest MB/s (upload start → final receipt), which the load
 * bench compares its 50 sessions with, and how long each `stat` waited while the batch was being
 * processed (from its CLOSE to its final receipt).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type ssh2 from 'ssh2';
import { writePosBatch } from './pos-batch-generator.js';
import type { DaemonLogs } from './support/daemon-logs.js';
import { sleep } from './support/processes.js';

const PURCHASES = 80_000;

export interface BigFileProbe {
  bytes: number;
  /** Upload start to final receipt. */
  seconds: number;
  /** Milliseconds of each `stat` sent while the batch was being processed. */
  statMs: number[];
  state: string;
}

type Connect = (username: string) => Promise<ssh2.Client>;

function sftpOf(client: ssh2.Client): Promise<ssh2.SFTPWrapper> {
  return new Promise((resolve, reject) => client.sftp((err, sftp) => (err ? reject(err) : resolve(sftp))));
}

/** `partner` uploads the batch; `prober` stats its own inbox meanwhile. */
export async function probeBigFile(connect: Connect, logs: DaemonLogs, work: string, partner: string, prober: string): Promise<BigFileProbe> {
  const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
  const name = `${day}_0001_${partner}_pos_big.json`;
  const local = path.join(work, name);
  await writePosBatch(local, { purchases: PURCHASES, receiptPrefix: `${partner}-` });
  const bytes = (await stat(local)).size;
  const uploader = await connect(partner);
  const probe = await connect(prober);
  try {
    const [up, other] = await Promise.all([sftpOf(uploader), sftpOf(probe)]);
    const key = new Set([`${partner}/${name}`]);
    const started = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) => up.fastPut(local, `/inbox/${name}`, (err) => (err ? reject(err) : resolve())));
    const statMs: number[] = [];
    while (logs.finalStates(key).size === 0) {
      const sent = process.hrtime.bigint();
      await new Promise<void>((resolve, reject) => other.stat('/inbox', (err) => (err ? reject(err) : resolve())));
      statMs.push(Number(process.hrtime.bigint() - sent) / 1e6);
      await sleep(2);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const state = logs.finalStates(key).get(`${partner}/${name}`)?.event ?? 'none';
    return { bytes, seconds, statMs, state };
  } finally {
    uploader.end();
    probe.end();
  }
}
