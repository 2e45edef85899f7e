import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { Refusal } from './refusal.js';
import { statusFor } from './status.js';

const { STATUS_CODE } = ssh2.utils.sftp;

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: /var/lib/posdrop/partners/acme/inbox/x`), { code });
}

describe('statusFor', () => {
  it('passes refusals on with their own message', () => {
    expect(statusFor(new Refusal('permission_denied', '/outbox is read-only'))).toEqual({
      code: STATUS_CODE.PERMISSION_DENIED,
      message: '/outbox is read-only',
      unexpected: false,
    });
  });

  it('answers a missing file, a link and a non-folder alike', () => {
    for (const code of ['ENOENT', 'ENOTDIR', 'ELOOP']) {
      expect(statusFor(errno(code))).toEqual({ code: STATUS_CODE.NO_SUCH_FILE, message: 'No such file', unexpected: false });
    }
  });

  it('never shows a server path to the client', () => {
    for (const code of ['EACCES', 'ENOSPC', 'EIO', 'EMFILE']) {
      const status = statusFor(errno(code));
      expect(status.message).not.toContain('/var/lib');
      expect(status.unexpected).toBe(true);
    }
    expect(statusFor(errno('ENOSPC')).message).toMatch(/out of disk space/);
    expect(statusFor(new TypeError('boom')).message).toBe('Internal server error');
  });
});
