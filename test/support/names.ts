/** File names the built-in formats accept, for tests. */

/** A CrowdTwist name for client `12`, dated yesterday (a date after today is refused). */
export function posName(counter: number, clientId = '12'): string {
  const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
  return `${day}_${String(counter).padStart(4, '0')}_${clientId}_pos_batch.json`;
}
