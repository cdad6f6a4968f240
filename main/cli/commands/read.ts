import { indexVerifiedArchives, lastBackupOf } from '../../backup/last-backup.ts';
import type { Command } from 'commander';
import { readdirSync, rmdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { AppError } from '../../../shared/errors.ts';
import type { ChatDetail, ChatSummary, ScanResult } from '../../../shared/domain.ts';
import { writeDemoRoot } from '../../fixtures/demo-root.ts';
import { describeKind, entryAt, kindOf } from '../../fs/entry.ts';
import { readChatDetail } from '../../store/chat.ts';
import { ROOT_TREE, requireChatFolders, treeRank } from '../../store/layout.ts';
import { withScan, writeScanJson } from '../scan.ts';
import { chatFindings, withChatState, withCopies } from '../../fleet/show.ts';
import { defaultUserDataDir } from '../../config/paths.ts';
import { CONVERSATIONS_DB } from '../../adapters/per-chat-schema.ts';
import { WorkerPool, sharedPool } from '../../workers/pool.ts';
import { formatBytes, printJson, table, writeStdout } from '../output.ts';
import { demoMysql, demoPostgres } from './sources.ts';

/** The data root as the person gave it (a root that is itself a link is taken: it is what they named). */
function requireDir(path: string): string {
  if (path.trim() === '') throw new AppError('invalid_input', 'the data root must not be empty');
  const full = resolve(path);
  const stats = statSync(full, { throwIfNoEntry: false });
  if (!stats) throw new AppError('not_found', `${path}: no such folder`);
  if (!stats.isDirectory())
    throw new AppError(
      'invalid_input',
      `${path}: is ${stats.isFile() ? 'a file' : describeKind(kindOf(stats))}, not a data root (use "open" for a single DB)`,
    );
  return full;
}

/** The TREE column: the tree, and for a chat in several trees the other ones and which copy is newer. */
function treeText(c: ChatSummary): string {
  const tree = c.tree ?? ROOT_TREE;
  if (!c.copies || c.copies.length === 0) return tree;
  const newer = c.newerIn ? `, newer in ${c.newerIn}` : '';
  return `${tree} (also ${c.copies.map((k) => k.tree).join(', ')}${newer})`;
}

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

export function registerReadCommands(program: Command): void {
  program
    .command('scan')
    .description('list chats: id, name, level, messages, sessions, last active, size, health')
    .argument('<root>', 'data root (the folder holding chat_<id> folders, or the bot folder)')
    .option('--json', 'print JSON for scripts')
    .option('--workers <n>', 'worker threads (0 = read in this thread)')
    .option('--no-index', "read every chat, without reading or writing Chat Inspector's fleet index")
    .action(async (rootArg: string, opts: { json?: boolean; workers?: string; index?: boolean }) => {
      const root = requireDir(rootArg);
      requireChatFolders(root, rootArg);
      const pool = opts.workers === undefined ? sharedPool() : new WorkerPool(Number(opts.workers));
      await withScan(root, pool, opts.index !== false, (scan) => {
        if (opts.json) return writeScanJson(scan, writeStdout);
        printScanTable({ ...scan, chats: [...scan.chats] }, scan.incomplete);
      });
    });

  program
    .command('show')
    .description('one chat: profile, preferences, progress, sessions, message counts')
    .argument('<root>', 'data root')
    .argument('<chatId>', 'chat id (the number in chat_<id>)')
    .option(
      '--tree <tree>',
      "the chat tree to read the chat from (e.g. data/chats), when the chat is in more than one; default: the current tree's copy",
    )
    .option(
      '--backups <dir...>',
      "folders of verified archives (backup --out-dir) for its last backup; else metadata.json's last_backup",
    )
    .option('--json', 'print JSON for scripts')
    .action(
      (rootArg: string, chatId: string, opts: { json?: boolean; tree?: string; backups?: string[] }) => {
        const root = requireDir(rootArg);
        const backupDirs = (opts.backups ?? []).map((d) => requireDir(d));
        const now = new Date();
        // The state the list and the Integrity screen show: the fleet index's, or a quick check's.
        const checked = chatFindings(root, chatId, defaultUserDataDir(), now, opts.tree);
        const detail = withChatState(
          withCopies(root, readChatDetail(root, chatId, now, opts.tree), now),
          checked,
        );
        detail.lastBackup = lastBackupOf(indexVerifiedArchives(backupDirs), detail.chatId, detail.dir);
        if (opts.json) return printJson(detail);
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
        const notable = (checked?.findings ?? []).filter(
          (f) => f.severity !== 'info' && !shown.has(f.message),
        );
        if (notable.length > 0) {
          const when =
            checked?.source === 'index' ? `fleet index, checked ${checked.checkedAt ?? '?'}` : 'quick check';
          console.log(`\nFindings (${when})`);
          for (const f of notable) console.log(`${f.severity} ${f.code} ${f.file}: ${f.message}`);
        }
      },
    );

  program
    .command('demo')
    .description('write a realistic demo data root (the one the app opens by default)')
    .argument('[dir]', 'a new or empty folder')
    .option('--postgres <url>', 'instead: fill this empty PostgreSQL database with EvoSense demo data')
    .option('--mysql <url>', 'instead: fill this empty MySQL/MariaDB database with seed-003 messaging data')
    .option(
      '--archive <dir>',
      'with --mysql: the new cold-archive folder to write (.jsonl.gz per company and month)',
    )
    .option('--json', 'print JSON for scripts')
    .action(
      async (
        dirArg: string | undefined,
        opts: { json?: boolean; postgres?: string; mysql?: string; archive?: string },
      ) => {
        if (opts.mysql !== undefined) {
          if (dirArg !== undefined || opts.postgres !== undefined)
            throw new AppError('invalid_input', 'give one of a folder, --postgres URL or --mysql URL');
          return demoMysql(opts.mysql, opts.archive, opts);
        }
        if (opts.postgres !== undefined) {
          if (dirArg !== undefined)
            throw new AppError('invalid_input', 'give a folder or --postgres URL, not both');
          return demoPostgres(opts.postgres, opts);
        }
        if (dirArg === undefined)
          throw new AppError('invalid_input', 'give a new or empty folder (or --postgres URL)');
        const dir = resolve(dirArg);
        const { kind } = entryAt(dir);
        if (kind !== 'missing') {
          // lstat: a link to an empty folder is not an empty folder (it would be replaced, not followed).
          if (kind !== 'directory' || readdirSync(dir).length > 0) {
            throw new AppError('conflict', `${dirArg}: already exists and is not empty; choose a new folder`);
          }
          rmdirSync(dir); // written beside it and renamed into place, so a half demo never exists
        }
        await writeDemoRoot(dir);
        if (opts.json) return printJson({ root: dir, chats: `${dir}/chats`, legacy: `${dir}/legacy` });
        console.log(`Demo data root written to ${dir}`);
        console.log(`  chats:  ${dir}/chats   (healthy chats, one of each damaged kind, stray entries)`);
        console.log(`  legacy: ${dir}/legacy  (user_history.db, duiliocode.db, clinic.db)`);
        console.log(`Try: chat-inspector scan ${dirArg}`);
      },
    );
}

/**
 * `scan` without --json: the chat list as a table, then counts, locked files and skipped entries. Counts
 * that could not be read are "—" ("locked" for a locked file), never 0; counts read from a damaged file
 * are marked partial.
 */
export function printScanTable(
  result: ScanResult,
  incomplete: ReadonlyMap<string, 'partial' | 'unread'>,
): void {
  const countText = (c: ChatSummary, n: number | null): string => {
    if (c.locked?.file === CONVERSATIONS_DB) return 'locked';
    // The row's own counts state (the list's), or what the pass said of it.
    const counts = c.counts && c.counts !== 'whole' ? c.counts : (incomplete.get(c.chatId) ?? 'whole');
    if (counts === 'unread' || n === null) return '—';
    return counts === 'partial' ? `${n} (partial)` : String(n);
  };
  // A root with more than one chat tree (seed 000's bot folder) says in which each chat lives.
  const trees = new Set(
    result.chats
      .flatMap((c) => [c.tree ?? ROOT_TREE, ...(c.copies ?? []).map((k) => k.tree)])
      .sort((a, b) => treeRank(a) - treeRank(b)),
  );
  const withTree = trees.size > 1;
  const rows = result.chats.map((c) => {
    const row = [
      c.chatId,
      c.name ?? '—',
      c.level ?? '—',
      countText(c, c.messages),
      countText(c, c.sessions),
      c.lastActive?.slice(0, 16).replace('T', ' ') ?? '—',
      formatBytes(c.sizeBytes),
      c.locked ? `${c.health} (locked)` : c.health,
    ];
    if (withTree) row.push(treeText(c));
    return row;
  });
  const headers = ['CHAT', 'NAME', 'LEVEL', 'MESSAGES', 'SESSIONS', 'LAST ACTIVE', 'SIZE', 'HEALTH'];
  console.log(table(withTree ? [...headers, 'TREE'] : headers, rows));
  const counts = { ok: 0, warning: 0, error: 0 };
  for (const c of result.chats) counts[c.health]++;
  console.log(
    `\n${result.chats.length} chats (${counts.ok} ok, ${counts.warning} warning, ${counts.error} error)`,
  );
  if (result.chats.some((c) => c.counts === 'partial') || [...incomplete.values()].includes('partial'))
    console.log('(partial): what could be read of a damaged conversations.db, not the whole chat');
  for (const c of result.chats) if (c.locked) console.log(`locked ${c.chatId}: ${c.locked.message}`);
  if (withTree) {
    const both = result.chats.filter((c) => c.copies && c.copies.length > 0);
    console.log(
      `chat trees: ${[...trees].join(', ')}; ${both.length} chat(s) in more than one tree, listed once from the current tree's copy (read another copy with show --tree)`,
    );
  }
  for (const s of result.skipped) console.log(`skipped ${s.path}: ${s.reason}`);
}
