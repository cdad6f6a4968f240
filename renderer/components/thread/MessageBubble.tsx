import { memo, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SourceMessageOut } from '../../../shared/contract/sources.ts';
import { correctionsOf } from '../../../shared/corrections.ts';
import { threadFieldsOf } from '../../../shared/message-fields.ts';
import {
  formatClock,
  formatDateTime,
  formatNumber,
  formatPercent,
  formatSeconds,
  formatTime,
} from '../format.ts';
import { BookIcon, ClockIcon, MicIcon } from '../icons.tsx';
import { foldAt } from './fold.ts';
import { MarkdownText } from './MessageText.tsx';

export { correctionsOf, type CorrectionView } from '../../../shared/corrections.ts';

interface VocabView {
  word: string;
  meaning: string | null;
}

function vocabularyOf(value: unknown): VocabView[] {
  const list = Array.isArray(value) ? value : value && typeof value === 'object' ? [value] : [];
  const out: VocabView[] = [];
  for (const v of list) {
    if (typeof v === 'string') out.push({ word: v, meaning: null });
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const word = o.word ?? o.term;
      if (typeof word === 'string')
        out.push({ word, meaning: typeof o.meaning === 'string' ? o.meaning : null });
    }
  }
  return out;
}

/**
 * A message's text: whole when short; folded when long (fold.ts), with its size and "show all". Shown all,
 * a long text is plain (Markdown of a million characters takes seconds) in a box with its own scroll bar,
 * so the thread keeps scrolling past it.
 */
function MessageContent({ text, markdown }: { text: string; markdown: boolean }) {
  const { t } = useTranslation();
  const [whole, setWhole] = useState(false);
  const cut = useMemo(() => foldAt(text), [text]);
  if (cut === null) return markdown ? <MarkdownText text={text} /> : <>{text}</>;
  const size = { count: text.length, size: formatNumber(text.length), shown: formatNumber(cut) };
  const head = text.slice(0, cut);
  return (
    <div className="long-text" data-testid="long-message" data-whole={whole}>
      {whole ? (
        <div className="long-text-all" tabIndex={0} role="region" aria-label={t('thread.longWhole')}>
          {text}
        </div>
      ) : (
        <div className="long-text-head">
          {markdown ? <MarkdownText text={head} /> : head}
          <span aria-hidden="true">…</span>
        </div>
      )}
      <div className="long-text-bar">
        <span className="muted" data-testid="long-message-size">
          {whole ? t('thread.longShownWhole', size) : t('thread.longFolded', size)}
        </span>
        <button
          type="button"
          className="btn btn-small"
          aria-expanded={whole}
          onClick={() => setWhole(!whole)}
        >
          {whole ? t('thread.showLess') : t('thread.showAll')}
        </button>
      </div>
    </div>
  );
}

/** One message as a bubble: user on the right, bot on the left, system centred. */
export const MessageBubble = memo(function MessageBubble({
  message,
  highlighted,
}: {
  message: SourceMessageOut;
  highlighted?: boolean;
}) {
  const { t } = useTranslation();
  const fields = useMemo(() => threadFieldsOf(message), [message]);
  const { items: corrections, raw } = correctionsOf({ ...fields, content: message.text });
  const vocabulary = vocabularyOf(fields.vocabulary);
  const { model } = fields;
  const isBot = message.role === 'bot';
  return (
    <div
      className={`msg msg-${message.role}${highlighted ? ' is-highlighted' : ''}`}
      data-msg-id={message.id}
      data-role={message.role}
    >
      <div className="bubble">
        {fields.isVoice ? (
          <div className="voice" title={t('thread.voice')}>
            <MicIcon size={13} />
            <span className="visually-hidden">{t('thread.voice')}</span>
            {fields.voiceDuration !== null ? <span>{formatClock(fields.voiceDuration)}</span> : null}
          </div>
        ) : null}
        <div className="bubble-text" dir="auto" translate="no">
          {message.text === null ? (
            <span className="muted">{t('thread.noText')}</span>
          ) : (
            <MessageContent text={message.text} markdown={isBot} />
          )}
        </div>
        {corrections.length > 0 ? (
          <ul className="corrections" aria-label={t('thread.corrections')}>
            {corrections.map((c, i) => (
              <li key={i} translate="no">
                <del dir="auto">{c.original}</del>
                <span className="arrow" aria-hidden="true">
                  →
                </span>
                <ins dir="auto">{c.corrected}</ins>
                {c.rule ? <span className="rule">{c.rule}</span> : null}
              </li>
            ))}
          </ul>
        ) : raw ? (
          <div className="corrections-raw mono" translate="no">
            {raw}
          </div>
        ) : null}
        {vocabulary.length > 0 ? (
          <div className="vocab" translate="no">
            {vocabulary.map((v, i) => (
              <span key={i} className="chip" title={v.meaning ?? undefined}>
                <BookIcon size={12} /> {v.word}
                {v.meaning ? <span className="muted"> = {v.meaning}</span> : null}
              </span>
            ))}
          </div>
        ) : null}
      </div>
      <div className="msg-meta">
        <time dateTime={message.timestamp ?? undefined} title={formatDateTime(message.timestamp)}>
          {formatTime(message.timestamp)}
        </time>
        {message.rawRole && message.role !== 'user' ? <span translate="no">{message.rawRole}</span> : null}
        {isBot && fields.confidence !== null ? (
          <span title={t('thread.confidence')}>
            {t('thread.confidenceShort')}{' '}
            {formatPercent(fields.confidence > 1 ? fields.confidence / 100 : fields.confidence)}
          </span>
        ) : null}
        {isBot && fields.responseTime !== null ? (
          <span className="meta-icon" title={t('thread.responseTime')}>
            <ClockIcon size={11} /> {formatSeconds(fields.responseTime)}
          </span>
        ) : null}
        {model ? (
          <span className="mono" translate="no">
            {model}
          </span>
        ) : null}
        {fields.hasErrors && corrections.length === 0 ? (
          <span className="warn-text">{t('thread.hasErrors')}</span>
        ) : null}
      </div>
    </div>
  );
});
