import { memo } from 'react';
import Markdown, { type Components } from 'react-markdown';

// The bots write Markdown (*chores*, **bold**, `code`, fences, lists). It is shown as a safe subset:
// HTML in the data is dropped (skipHtml), links are shown with their address but never followed (a
// support person must not be sent anywhere by a chat), and images are reduced to their text.
const ALLOWED = [
  'p',
  'strong',
  'em',
  'del',
  'code',
  'pre',
  'ul',
  'ol',
  'li',
  'blockquote',
  'br',
  'hr',
  'a',
  'img',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
];

const components: Components = {
  a: ({ href, children }) => (
    <span className="md-link" title={href ?? undefined} data-href={href ?? undefined}>
      {children}
    </span>
  ),
  img: ({ alt, src }) => (
    <span className="md-link" title={typeof src === 'string' ? src : undefined}>
      [{alt ?? ''}]
    </span>
  ),
  // Headings inside a bubble are emphasis, not document structure.
  h1: ({ children }) => <p className="md-heading">{children}</p>,
  h2: ({ children }) => <p className="md-heading">{children}</p>,
  h3: ({ children }) => <p className="md-heading">{children}</p>,
  h4: ({ children }) => <p className="md-heading">{children}</p>,
  h5: ({ children }) => <p className="md-heading">{children}</p>,
  h6: ({ children }) => <p className="md-heading">{children}</p>,
};

/** Addresses are kept as text for the title only; nothing is ever loaded or opened from them. */
const keepUrl = (url: string) => url;

export const MarkdownText = memo(function MarkdownText({ text }: { text: string }) {
  return (
    <div className="md">
      <Markdown
        skipHtml
        allowedElements={ALLOWED}
        unwrapDisallowed
        components={components}
        urlTransform={keepUrl}
      >
        {text}
      </Markdown>
    </div>
  );
});
