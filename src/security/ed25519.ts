/**
 * ed25519 key pairs in OpenSSH form. ssh2's generateKeyPairSync strips leading zero bytes off
 * the public key, so about one pair in 256 comes out malformed and ssh2 itself (and OpenSSH)
 * cannot read it back (mscdex/ssh2#1390, #1513): a host key generated that way stopped the
 * daemon from ever starting. Pairs are checked and made again until both halves read back.
 */
import ssh2 from 'ssh2';

export interface KeyPair {
  /** OpenSSH private key (`-----BEGIN OPENSSH PRIVATE KEY-----`). */
  private: string;
  /** authorized_keys line: `ssh-ed25519 AAAA… comment`. */
  public: string;
}

const MAX_TRIES = 32;

export function generateEd25519KeyPair(comment?: string): KeyPair {
  for (let attempt = 0; attempt < MAX_TRIES; attempt += 1) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', comment ? { comment } : {});
    if (readsBack(pair.private) && readsBack(pair.public)) return { private: pair.private, public: pair.public };
  }
  throw new Error(`could not generate a readable ed25519 key pair in ${MAX_TRIES} tries`);
}

function readsBack(key: string): boolean {
  const parsed = ssh2.utils.parseKey(key);
  return !(parsed instanceof Error) && (Array.isArray(parsed) ? parsed.length > 0 : true);
}
