import { existsSync, renameSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ExportFormat, ExportResult } from '../../shared/contract/backup.ts';
import type { Message } from '../../shared/domain.ts';
import { AppError } from '../../shared/errors.ts';
import { fsyncDir, requireAbsent, unlinkIfExists } from '../fs/files.ts';
import {
  csvWriter,
  htmlWriter,
  jsonWriter,
  type ChatHeader,
  type ExportFormatWriter,
} from '../export/formats.ts';
import { createRedactor, redactDeep, type Redact } from '../export/redact.ts';
import { TextOutput } from '../export/writer.ts';
import { trackTemp } from '../fs/temp.ts';
import { throwIfCancelled, type JobContext } from '../jobs/job.ts';
import type { Source, SourceMessage } from './types.ts';

// `export SOURCE --chat ID`: one conversation of any Source, in the same three formats as a chat of a root
// (main/export/formats.ts), streamed: the Source hands out pages (a server-side cursor for PostgreSQL),
// each page is written through one reusable buffer and dropped, so memory stays flat for any size. Written
// as FILE.partial (tracked: removed on failure, cancel or signal) and renamed into place at the end.

export interface SourceExportOptions {
  conversationId: string;
  tenant?: string | undefined;
  format: ExportFormat;
  out: string;
  redact?: boolean;
  overwrite?: boolean;
  now?: Date;
  pageSize?: number;
}

/** The export formats speak the app's Message; a Source's id, analysis and extras ride along in `extra`. */
function asMessage(m: SourceMessage, index: number): Message {
  const numeric = Number(m.id);
  const extra: Record<string, unknown> = { ...(m.extra ?? {}) };
  if (!Number.isSafeInteger(numeric)) extra.id = m.id;
  if (m.analysis)
    for (const [k, v] of Object.entries(m.analysis)) if (v !== null && v !== undefined) extra[k] = v;
  return {
    id: Number.isSafeInteger(numeric) ? numeric : index + 1,
    sessionId: null,
    role: m.role,
    rawRole: m.rawRole,
    content: m.text,
    originalContent: null,
    isVoice: false,
    voiceDuration: null,
    hasErrors: false,
    corrections: null,
    vocabulary: null,
    confidence: null,
    responseTime: null,
    timestamp: m.timestamp,
    extra: Object.keys(extra).length > 0 ? extra : null,
  };
}

function redactMessage(m: Message, redact: Redact): Message {
  return {
    ...m,
    rawRole: m.rawRole === null ? null : redact(m.rawRole),
    content: m.content === null ? null : redact(m.content),
    extra: m.extra ? (redactDeep(m.extra, redact) as Record<string, unknown>) : null,
  };
}

export async function exportFromSource(
  source: Source,
  options: SourceExportOptions,
  ctx: JobContext<null>,
): Promise<ExportResult> {
  const out = resolve(options.out);
  if (!options.overwrite) requireAbsent(out, 'export');
  else if (!existsSync(dirname(out))) throw new AppError('not_found', `${dirname(out)}: no such folder`);
  const conversation = await source.conversation(options.conversationId, { tenant: options.tenant });
  const redacted = options.redact ?? false;
  const redact = redacted ? createRedactor({}) : null;
  const exportedAt = (options.now ?? new Date()).toISOString();
  const shownId = redact ? redact(conversation.id) : conversation.id;
  const writer: ExportFormatWriter =
    options.format === 'json'
      ? jsonWriter({ exportedAt, redacted })
      : options.format === 'csv'
        ? csvWriter()
        : htmlWriter({ exportedAt, redacted, title: `Conversation ${shownId} — transcript` });
  const header: ChatHeader = {
    chatId: shownId,
    // Whom the conversation is with (a clinic's is the patient's phone): masked like its messages.
    title: redact ? redact(conversation.title) : conversation.title,
    profile: null,
    preferences: null,
    progress: [],
    messages: conversation.messages,
    sessions: 0,
  };
  const partial = `${out}.partial`;
  const untrack = trackTemp(partial);
  const output = new TextOutput(partial);
  let written = 0;
  let finished = false;
  try {
    ctx.progress(0, conversation.messages, null);
    await output.write(writer.begin());
    await output.write(writer.chatStart(header, true));
    await output.write(writer.sessions(header, []));
    await output.write(writer.messagesStart(header));
    for await (const page of source.exportMessages({
      conversationId: options.conversationId,
      tenant: options.tenant,
      pageSize: options.pageSize ?? 5000,
    })) {
      throwIfCancelled(ctx.signal);
      for (const m of page) {
        let message = asMessage(m, written);
        if (redact) message = redactMessage(message, redact);
        await output.write(writer.message(header, message, written, null, false));
        written++;
      }
      ctx.progress(written, Math.max(written, conversation.messages), conversation.id);
    }
    await output.write(writer.chatEnd(header));
    await output.write(writer.end());
    await output.close();
    if (!options.overwrite) requireAbsent(out, 'export');
    renameSync(partial, out);
    untrack();
    fsyncDir(dirname(out));
    finished = true;
  } finally {
    if (!finished) {
      output.destroy();
      unlinkIfExists(partial);
      untrack();
    }
  }
  return {
    out,
    format: options.format,
    chats: 1,
    messages: written,
    sessions: 0,
    bytes: statSync(out).size,
    redacted,
  };
}
