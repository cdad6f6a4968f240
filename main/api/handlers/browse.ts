import { roundMs, type ChatSummary, type ScanSummary } from '../../../shared/domain.ts';
import { ROOT_TREE, treeRank } from '../../../shared/chat-layout.ts';
import { indexVerifiedArchives, lastBackupOf } from '../../backup/last-backup.ts';
import { archiveFolders } from './backup.ts';
import { chatFindings, withChatState, withCopies } from '../../fleet/show.ts';
import { PerChatRootSource, type PerChatSource } from '../../kinds/per-chat-root.ts';
import { fleetMetrics } from '../../store/fleet.ts';
import { listDbFiles } from '../../store/files.ts';
import { scanRoot } from '../../store/scan.ts';
import type { HandlerContext } from '../context.ts';
import type { Handlers } from '../types.ts';

/** One chat of an allowed root, read through the root's Source (its index in the app's own folder). */
const chatOf = (root: string, chatId: string, tree: string | undefined, ctx: HandlerContext): PerChatSource =>
  new PerChatRootSource(ctx.places.requireRoot(root), { ownDir: ctx.userDataDir }).chat(chatId, tree);

export const browseHandlers = {
  'places.list': (_input, ctx) => ({
    current: ctx.places.current,
    places: ctx.places.list(),
    canPickWithDialog: ctx.canPickWithDialog ?? false,
  }),
  'places.select': ({ path }, ctx) => ({ current: ctx.places.select(path) }),
  'chats.scan': async ({ root, inOrder }, ctx, job) => {
    // Each row goes out once, as an event; the result only counts them, with the totals and trees.
    let total = 0;
    let timedChats = 0;
    let queryMs = 0;
    let totalBytes = 0;
    let inMoreThanOneTree = 0;
    const trees = new Map<string, number>();
    const incomplete: { chatId: string; counts: 'partial' | 'unread' }[] = [];
    const send = (row: ChatSummary) => {
      total++;
      totalBytes += row.sizeBytes;
      for (const tree of [row.tree ?? ROOT_TREE, ...(row.copies ?? []).map((c) => c.tree)])
        trees.set(tree, (trees.get(tree) ?? 0) + 1);
      if (row.copies && row.copies.length > 0) inMoreThanOneTree++;
      job.emit(row);
    };
    const result = await scanRoot(
      ctx.places.requireRoot(root),
      { signal: job.signal, progress: job.progress, emit: inOrder ? () => undefined : send },
      {
        pool: ctx.pool,
        now: ctx.now(),
        keepRows: inOrder,
        onVisit: (chatId, _findings, counts, ms) => {
          if (counts !== 'whole') incomplete.push({ chatId, counts });
          if (ms === null) return;
          timedChats++;
          queryMs += ms;
        },
      },
    );
    for (const row of result.chats) send(row);
    const summary: ScanSummary = {
      chats: total,
      totalBytes,
      averageQueryMs: roundMs(timedChats ? queryMs / timedChats : null),
      timedChats,
      trees: [...trees.entries()]
        .sort(([a], [b]) => treeRank(a) - treeRank(b))
        .map(([tree, chats]) => ({ tree, chats })),
      inMoreThanOneTree,
    };
    return { root: result.root, total, skipped: result.skipped, summary, incomplete };
  },
  'chat.detail': ({ root, chatId, tree, backups }, ctx) => {
    const place = ctx.places.requireRoot(root);
    const checked = chatFindings(place, chatId, ctx.userDataDir, ctx.now(), tree);
    // The chat's tree, and its copy in another tree with which is newer (a bot folder with two trees).
    const detail = withChatState(
      withCopies(place, chatOf(root, chatId, tree, ctx).detail(ctx.now()), ctx.now()),
      checked,
    );
    // Its last backup: the newest verified archive in the folders named (each an allowed place), else in
    // the folders the Backups screen lists; else metadata.json's.
    const folders =
      backups === undefined ? archiveFolders(ctx) : backups.map((dir) => ctx.places.requireRoot(dir));
    detail.lastBackup = lastBackupOf(indexVerifiedArchives(folders), detail.chatId, detail.dir);
    return {
      ...detail,
      checked: checked && {
        source: checked.source,
        checkedAt: checked.checkedAt,
        findings: checked.findings,
      },
    };
  },
  'chat.messages': ({ root, chatId, tree, before, after, oldest, at, from, limit }, ctx) =>
    chatOf(root, chatId, tree, ctx).messages({ before, after, oldest, at, from, limit }),
  'chat.search': ({ root, chatId, tree, query, limit, role, from, to, before }, ctx) =>
    chatOf(root, chatId, tree, ctx).search(query, limit, { role, from, to, before }),
  'chat.metrics': ({ root, chatId, tree }, ctx) => chatOf(root, chatId, tree, ctx).metrics(),
  'fleet.metrics': ({ root }, ctx, job) =>
    fleetMetrics(ctx.places.requireRoot(root), job, ctx.pool, ctx.now()),
  'files.list': ({ root }, ctx) => listDbFiles(ctx.places.requireRoot(root)),
} satisfies Partial<Handlers>;
