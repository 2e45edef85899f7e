/**
 * The V8 flags the daemon runs with (bin/posdrop.js, `npm start`, scripts/posdrop.service), so
 * that the bench measures it as it is deployed. A 4 MB young generation: under a steady stream of
 * records V8 otherwise grows it to 3 × 16 MB, which is most of the peak memory of an ingest.
 */
export const DAEMON_NODE_FLAGS = ['--max-semi-space-size=4'];
