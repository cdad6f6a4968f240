import type { ChatDetail } from '../../../shared/domain.ts';
import { CONVERSATIONS_DB } from '../../../shared/chat-layout.ts';
import type { Formatters } from './types.ts';
import { table } from '../output.ts';

/** ", also in data/chats (2026-10-01T…); the copy in data/chats is newer", or "" for a chat in one tree. */
function copiesNote(detail: Pick<ChatDetail, 'tree' | 'copies' | 'newerIn'>): string {
  if (!detail.copies || detail.copies.length === 0) return '';
  const also = detail.copies.map((c) => `${c.tree} (last active ${c.lastActive ?? 'unknown'})`).join(', ');
  const newer =
    detail.newerIn === undefined || detail.newerIn === null
      ? 'neither copy is known to be newer'
      : `the copy in ${detail.newerIn} is newer (by last activity)`;
  return `; also in ${also}: present in more than one tree, ${newer}${detail.newerIn && detail.newerIn !== detail.tree ? ' — read it with --tree ' + detail.newerIn : ''}`;
}

export const chatFormats = {
  'chat.detail': {
    // `show --json` prints the chat as it always has; where its findings come from is for the text.
    json: ({ checked: _checked, ...detail }) => detail,
    human: (detail) => {
      const checked = detail.checked ?? null;
      const p = detail.profile;
      const name = p
        ? [p.firstName, p.lastName].filter(Boolean).join(' ') || (p.username ? `@${p.username}` : '—')
        : '—';
      console.log(
        `Chat ${detail.chatId}  ${name}  level ${p?.currentLevel ?? '—'}  streak ${p?.studyStreak ?? 0}  health ${detail.health}`,
      );
      console.log(`Folder ${detail.dir}`);
      console.log(`Tree ${detail.tree ?? '.'}${copiesNote(detail)}`);
      const c = detail.counts;
      const n = (v: number | null) => (v === null ? '—' : String(v));
      const unread = detail.problems.find((problem) => problem.file === CONVERSATIONS_DB);
      if (detail.countsState === 'unread' || c.messages === null) {
        // Counts of a file that could not be read are unknown, not zero.
        const why = unread
          ? `${unread.code === 'locked' ? 'locked — ' : ''}${unread.message}`
          : `${detail.countsReason?.file ?? CONVERSATIONS_DB}: ${detail.countsReason?.code ?? 'unreadable'}`;
        console.log(`Messages unknown: ${why}`);
      } else {
        const partial = detail.countsState === 'partial' ? ' (partial)' : '';
        console.log(
          `Messages ${c.messages}${partial} (${n(c.userMessages)} user, ${n(c.botMessages)} bot, ${n(c.voiceMessages)} voice, ${n(c.messagesWithErrors)} with corrections)  sessions ${n(c.sessions)}${partial}`,
        );
      }
      console.log(
        `First ${detail.firstMessageAt ?? '—'}  last ${detail.lastMessageAt ?? '—'}  last active ${detail.lastActive ?? '—'}`,
      );
      const lb = detail.lastBackup;
      console.log(
        lb
          ? `Last backup ${lb.at} (${lb.source === 'archive' ? `verified archive ${lb.archive}` : "metadata.json's last_backup"})`
          : 'Last backup: none known (no verified archive in the folders given, no last_backup in metadata.json)',
      );
      if (detail.preferences) {
        const pr = detail.preferences;
        console.log(
          `Preferences: voice ${pr.voiceEnabled ? 'on' : 'off'}, explanations ${pr.explanationLanguage ?? '—'}, difficulty ${pr.difficultyPreference ?? '—'}, feedback ${pr.feedbackStyle ?? '—'}, reminders ${pr.studyReminders ? `every ${pr.reminderFrequency}h` : 'off'}`,
        );
      }
      if (detail.progress.length > 0) {
        console.log('\nLearning progress');
        console.log(
          table(
            ['SKILL', 'TYPE', 'LEVEL', 'PRACTICE', 'SUCCESS', 'MASTERY'],
            detail.progress.map((g) => [
              g.skillName ?? '—',
              g.skillType ?? '—',
              `${g.levelBefore ?? '?'} → ${g.levelAfter ?? '?'}`,
              String(g.practiceCount ?? 0),
              g.successRate === null ? '—' : `${Math.round(g.successRate * 100)}%`,
              g.masteryLevel === null ? '—' : `${Math.round(g.masteryLevel * 100)}%`,
            ]),
          ),
        );
      }
      if (detail.sessions.length > 0) {
        console.log(`\nSessions (newest ${Math.min(10, detail.sessions.length)} of ${c.sessions})`);
        console.log(
          table(
            ['START', 'MINUTES', 'MESSAGES', 'TOPIC'],
            detail.sessions
              .slice(0, 10)
              .map((s) => [
                s.start ?? '—',
                s.durationMinutes?.toFixed(0) ?? '—',
                String(s.messagesCount ?? 0),
                s.topic ?? '—',
              ]),
          ),
        );
      }
      console.log(
        `\nmetadata.json: ${detail.metadata.state}${detail.metadata.differences.length ? ` — ${detail.metadata.differences.join('; ')}` : ''}`,
      );
      for (const problem of detail.problems) console.log(`problem: ${problem.message}`);
      const shown = new Set(detail.problems.map((p) => p.message));
      const notable = (checked?.findings ?? []).filter((f) => f.severity !== 'info' && !shown.has(f.message));
      if (notable.length > 0) {
        const when =
          checked?.source === 'index' ? `fleet index, checked ${checked.checkedAt ?? '?'}` : 'quick check';
        console.log(`\nFindings (${when})`);
        for (const f of notable) console.log(`${f.severity} ${f.code} ${f.file}: ${f.message}`);
      }
    },
  },
} satisfies Formatters;
