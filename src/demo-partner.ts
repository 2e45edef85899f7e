/**
 * The partner `demo`, created on the first start with embedded defaults so that a newcomer can
 * `sftp -P 2222 demo@127.0.0.1` at once. Its password is shown once and kept in
 * `<data_dir>/demo-credentials.txt` (0600).
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { DataLayout } from './data-layout.js';
import { FORMAT_IDS } from './formats/types.js';
import { generatePassword, hashPassword } from './security/password.js';
import type { PartnerStoreAsync } from './store/partner-store.js';

export const DEMO_PARTNER = 'demo';

export interface DemoCredentials {
  username: string;
  password: string;
  file: string;
}

/** Creates `demo` unless it exists; returns the new credentials, or undefined. */
export async function ensureDemoPartner(
  store: { partners: PartnerStoreAsync; transaction<T>(work: (tx: { partners: PartnerStoreAsync }) => Promise<T>): Promise<T> },
  layout: DataLayout,
  sftp: { host: string; port: number },
): Promise<DemoCredentials | undefined> {
  if (await store.partners.get(DEMO_PARTNER)) return undefined;
  const password = generatePassword();
  const passwordHash = await hashPassword(password);
  await store.transaction((tx) =>
    tx.partners.add({ id: DEMO_PARTNER, clientId: 'demo', channels: ['direct-mail'], formats: [...FORMAT_IDS], passwordHash }),
  );
  const text = [
    'posdrop demo partner',
    `username: ${DEMO_PARTNER}`,
    `password: ${password}`,
    `connect:  sftp -P ${sftp.port} ${DEMO_PARTNER}@${sftp.host}`,
    '',
  ].join('\n');
  const handle = await open(
    layout.demoCredentials,
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    await handle.writeFile(text);
    await handle.chmod(0o600);
  } finally {
    await handle.close();
  }
  return { username: DEMO_PARTNER, password, file: layout.demoCredentials };
}
