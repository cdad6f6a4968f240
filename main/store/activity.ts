// A chat's last activity: when its user last did something, never when a file was last written. The one
// rule the chat list, the fleet index, the chat's side panel, `show`, alerts and archive-inactive share.

/** Timestamps before this are a clock that was never set (or a bad import), not history. */
export const EARLIEST_PLAUSIBLE = '2000-01-01';

/** A day after `nowMs`: later timestamps come from a clock that ran ahead. */
export function latestPlausible(nowMs: number): string {
  // Every chat of a pass has the same `now`: formatted once, not once a chat.
  if (nowMs !== plausible.nowMs) plausible = { nowMs, iso: new Date(nowMs + 86_400_000).toISOString() };
  return plausible.iso;
}
let plausible = { nowMs: Number.NaN, iso: '' };

/** An ISO time (as `toIso` gives) from a clock that was right: from 2000 to a day after `nowMs`. */
export function isPlausibleTime(iso: string, nowMs: number): boolean {
  return /^\d{4}-\d{2}-\d{2}/.test(iso) && iso >= EARLIEST_PLAUSIBLE && iso <= latestPlausible(nowMs);
}

/** The user's own traces of a chat, as ISO times (null when absent). */
export interface ActivityTraces {
  /** The newest message's time (conversations.db). */
  lastMessageAt: string | null;
  /** user_profile.last_active (profile.db). */
  profileLastActive: string | null;
  /** quick_stats.last_active (metadata.json), which the bot sets when the user writes. */
  quickStatsLastActive: string | null;
}

/**
 * The newest of the user's traces that is a plausible time. metadata.json's `last_update` is not a trace:
 * it says when the file was written (a nightly job rewrites it), not when the user was there. A time before
 * 2000 or in the future (a wrong clock) never sets it.
 */
export function chatLastActivity(traces: ActivityTraces, nowMs: number): string | null {
  let newest: string | null = null;
  for (const t of [traces.lastMessageAt, traces.profileLastActive, traces.quickStatsLastActive]) {
    if (t !== null && isPlausibleTime(t, nowMs) && (newest === null || t > newest)) newest = t;
  }
  return newest;
}

/**
 * Whole days without activity when a chat counts as inactive (more than `limitDays` since `lastActive`),
 * else null: the one inactive rule of the list, Integrity, Fleet, `alerts` and archive-inactive.
 */
export function inactiveDays(lastActive: string | null, nowMs: number, limitDays: number): number | null {
  if (lastActive === null) return null;
  const days = (nowMs - Date.parse(lastActive)) / 86_400_000;
  return Number.isFinite(days) && days > limitDays ? Math.floor(days) : null;
}
