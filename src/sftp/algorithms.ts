/**
 * The only algorithms offered: no SHA-1 anywhere (MAC, key exchange, signatures), no CBC, and
 * compression only after login. ssh2's own defaults still include `hmac-sha1` and `ssh-rsa`.
 * ssh2 ≥ 1.15 adds strict key exchange (Terrapin) on its own.
 */
import type { Algorithms } from 'ssh2';

export const SERVER_ALGORITHMS: Algorithms = {
  kex: [
    'curve25519-sha256',
    'curve25519-sha256@libssh.org',
    'ecdh-sha2-nistp256',
    'ecdh-sha2-nistp384',
    'ecdh-sha2-nistp521',
    'diffie-hellman-group-exchange-sha256',
    'diffie-hellman-group16-sha512',
    'diffie-hellman-group18-sha512',
    'diffie-hellman-group14-sha256',
  ],
  serverHostKey: ['ssh-ed25519'],
  cipher: [
    // AES-GCM first: with AES-NI it is the fastest for bulk uploads.
    'aes128-gcm@openssh.com',
    'aes256-gcm@openssh.com',
    'chacha20-poly1305@openssh.com',
    'aes128-ctr',
    'aes192-ctr',
    'aes256-ctr',
  ],
  hmac: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256', 'hmac-sha2-512'],
  compress: ['none', 'zlib@openssh.com'],
};
