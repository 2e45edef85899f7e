/** The one place where errors become SFTP status codes and messages. */
import ssh2 from 'ssh2';
import { DeliveryRefusal } from '../delivery/refusal.js';
import { errnoCode } from '../fs/durable.js';
import { Refusal, type RefusalKind } from './refusal.js';

const { STATUS_CODE } = ssh2.utils.sftp;

const CODES: Record<RefusalKind, number> = {
  no_such_file: STATUS_CODE.NO_SUCH_FILE,
  permission_denied: STATUS_CODE.PERMISSION_DENIED,
  failure: STATUS_CODE.FAILURE,
  op_unsupported: STATUS_CODE.OP_UNSUPPORTED,
};

export interface SftpStatus {
  code: number;
  message: string;
  /** True when the error was not foreseen: worth a log line with the cause. */
  unexpected: boolean;
}

export function statusFor(err: unknown): SftpStatus {
  if (err instanceof Refusal) return { code: CODES[err.kind], message: err.message, unexpected: false };
  // SFTP has no finer code for any of them: the message says which
  if (err instanceof DeliveryRefusal) return { code: STATUS_CODE.FAILURE, message: err.message, unexpected: false };
  switch (errnoCode(err)) {
    case 'ENOENT':
    case 'ENOTDIR':
    case 'ELOOP': // O_NOFOLLOW met a symbolic link: links are never followed, nor shown
      return { code: STATUS_CODE.NO_SUCH_FILE, message: 'No such file', unexpected: false };
    case 'EACCES':
    case 'EPERM':
      return { code: STATUS_CODE.PERMISSION_DENIED, message: 'Permission denied', unexpected: true };
    case 'ENOSPC':
    case 'EDQUOT':
      return { code: STATUS_CODE.FAILURE, message: 'The server is out of disk space; try again later', unexpected: true };
    default:
      return { code: STATUS_CODE.FAILURE, message: 'Internal server error', unexpected: true };
  }
}
