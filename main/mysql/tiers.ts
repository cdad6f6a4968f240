// Seed 003's storage tiers by age: hot (the last 24 h, MySQL), warm (the last 30 days, compressed MySQL),
// cold (older: the archive files). Shared by the reader and the fixture generator.

export type Tier = 'hot' | 'warm' | 'cold';
export const TIERS: readonly Tier[] = ['hot', 'warm', 'cold'];
export const HOT_MS = 24 * 3_600_000;
export const WARM_MS = 30 * 86_400_000;

/** Response-time buckets (upper bounds in ms; the last bucket is open). */
export const RESPONSE_BUCKETS = [1000, 3000, 10_000] as const;
export const RESPONSE_BUCKET_LABELS = ['< 1 s', '1–3 s', '3–10 s', '≥ 10 s'];

export function responseBucket(ms: number): number {
  const i = RESPONSE_BUCKETS.findIndex((b) => ms < b);
  return i === -1 ? RESPONSE_BUCKETS.length : i;
}

export function tierOf(createdMs: number, nowMs: number): Tier {
  const age = nowMs - createdMs;
  return age <= HOT_MS ? 'hot' : age <= WARM_MS ? 'warm' : 'cold';
}
