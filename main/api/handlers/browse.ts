import type { ChatSummary } from '../../../shared/domain.ts';
import { indexVerifiedArchives, lastBackupOf } from '../../backup/last-backup.ts';
import { archiveFolders } from './backup.ts';
import { readChatDetail, readChatMessages, readChatMetrics, searchChat } from '../../store/chat.ts';
import { chatFindings, withChatState, withCopies } from '../../fleet/show.ts';
import { fleetMetrics } from '../../store/fleet.ts';
import { listDbFiles } from '../../store/files.ts';
import { scanRoot } from '../../store/scan.ts';
import type { Handlers } from '../types.ts';

export const browseHandlers = {
  'places.list': (_input, ctx) => ({
    current: ctx.places.current,
    places: ctx.places.list(),
    canPickWithDialog: ctx.canPickWithDialog ?? false,
  }),
  'places.select': ({ path }, ctx) => ({ current: ctx.places.select(path) }),
  'chats.scan': async ({ root }, ctx, job) => {
    // Each row goes out once, as an event; the result only counts them.
    let total = 0;
    const counted = {
      signal: job.signal,
      progress: job.progress,
      emit: (row: ChatSummary) => {
        total++;
        job.emit(row);
      },
    };
    const result = await scanRoot(ctx.places.requireRoot(root), counted, {
      pool: ctx.pool,
      now: ctx.now(),
      keepRows: false,
    });
    return { root: result.root, total, skipped: result.skipped };
  },
  'chat.detail': ({ root, chatId, tree }, ctx) => {
    const place = ctx.places.requireRoot(root);
    // The chat's tree, and its copy in another tree with which is newer (a bot folder with two trees).
    const detail = withChatState(
      withCopies(place, readChatDetail(place, chatId, ctx.now(), tree), ctx.now()),
      chatFindings(place, chatId, ctx.userDataDir, ctx.now(), tree),
    );
    // Its last backup: the newest verified archive in the folders the Backups screen lists, else metadata.json.
    detail.lastBackup = lastBackupOf(indexVerifiedArchives(archiveFolders(ctx)), detail.chatId, detail.dir);
    return detail;
  },
  'chat.messages': ({ root, chatId, tree, before, after, at, from, limit }, ctx) =>
    readChatMessages(ctx.places.requireRoot(root), chatId, { before, after, at, from, limit }, tree),
  'chat.search': ({ root, chatId, tree, query, limit, role, from, to, before }, ctx) =>
    searchChat(ctx.places.requireRoot(root), chatId, query, limit, { role, from, to, before }, tree),
  'chat.metrics': ({ root, chatId, tree }, ctx) =>
    readChatMetrics(ctx.places.requireRoot(root), chatId, tree),
  'fleet.metrics': ({ root }, ctx, job) =>
    fleetMetrics(ctx.places.requireRoot(root), job, ctx.pool, ctx.now()),
  'files.list': ({ root }, ctx) => listDbFiles(ctx.places.requireRoot(root)),
} satisfies Partial<Handlers>;
