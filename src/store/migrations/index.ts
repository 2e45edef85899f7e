import type { Migration } from '../migrate.js';
import { ledger } from './001-ledger.js';
import { recordErrors } from './002-record-errors.js';
import { crowdtwist } from './003-crowdtwist.js';
import { delimited } from './004-delimited.js';
import { heartbeat } from './005-heartbeat.js';
import { crowdtwistFailedRequests } from './006-crowdtwist-failed-requests.js';
import { acceptedNames } from './007-accepted-names.js';
import { filesLeftInbox } from './008-files-left-inbox.js';
import { notifications } from './009-notifications.js';
import { operators } from './010-operators.js';
import { fileNotesCustomerCards } from './011-file-notes-customer-cards.js';
import { fileIdFloor } from './012-file-id-floor.js';
import { partnerApi } from './013-partner-api.js';
import { credentialsVersion } from './014-credentials-version.js';
import { bans } from './015-bans.js';
import { senderOptions } from './016-sender-options.js';
import { partnerLogins } from './017-partner-logins.js';
import { cluster } from './018-cluster.js';
import { bulkRowKeys } from './019-bulk-row-keys.js';

/** Every schema version in order; append, never edit a released one. */
export const MIGRATIONS: readonly Migration[] = [
  ledger,
  recordErrors,
  crowdtwist,
  delimited,
  heartbeat,
  crowdtwistFailedRequests,
  acceptedNames,
  filesLeftInbox,
  notifications,
  operators,
  fileNotesCustomerCards,
  fileIdFloor,
  partnerApi,
  credentialsVersion,
  bans,
  senderOptions,
  partnerLogins,
  cluster,
  bulkRowKeys,
];
