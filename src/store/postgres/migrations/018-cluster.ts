/**
 * The nodes of a cluster and the files they have in hand (as SQLite's 018). File ids come from
 * the `files` identity from now on, moved past every id and the floor: two nodes registering at
 * once can no longer compute the same max + 1. A floor written later moves it too (a trigger).
 */
export const cluster = {
  version: 18,
  name: 'cluster',
  sql: `
CREATE TABLE nodes (
  id         text PRIMARY KEY,
  started_at text NOT NULL,
  beat_at    text NOT NULL,
  version    text NOT NULL,
  pid        integer NOT NULL
);

CREATE TABLE claims (
  file_id     bigint PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
  node_id     text NOT NULL,
  claimed_at  text NOT NULL,
  lease_until text NOT NULL
);

CREATE INDEX claims_by_lease ON claims (lease_until);

SELECT setval(
  pg_get_serial_sequence('files', 'id'),
  greatest(coalesce((SELECT max(id) FROM files), 0), coalesce((SELECT file_id FROM file_id_floor WHERE id = 1), 0)) + 1,
  false
);

-- A raised floor (after a restore) moves the identity past it at once.
CREATE FUNCTION file_id_floor_moves_ids() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM setval(pg_get_serial_sequence('files', 'id'), greatest(nextval(pg_get_serial_sequence('files', 'id')), NEW.file_id + 1), false);
  RETURN NEW;
END
$$;

CREATE TRIGGER file_id_floor_moves_ids AFTER INSERT OR UPDATE ON file_id_floor FOR EACH ROW EXECUTE FUNCTION file_id_floor_moves_ids();
`,
} as const;
