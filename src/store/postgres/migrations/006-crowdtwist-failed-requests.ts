/** Each failed CrowdTwist request as the partner sent it (as SQLite's 006). */
export const crowdtwistFailedRequests = {
  version: 6,
  name: 'crowdtwist-failed-requests',
  sql: `
CREATE TABLE crowdtwist_failed_requests (
  file_id    bigint NOT NULL REFERENCES files(id) DEFERRABLE INITIALLY DEFERRED,
  position   bigint NOT NULL,
  receipt_id text,
  type       text,
  request    text NOT NULL,
  PRIMARY KEY (file_id, position)
);
`,
} as const;
