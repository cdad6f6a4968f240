import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { MarkdownText } from './MessageText.tsx';

const html = (text: string) => renderToStaticMarkup(<MarkdownText text={text} />);

describe('bot Markdown', () => {
  it('renders bold, italic, code, fences and lists', () => {
    const out = html('Do your *chores* and **homework**.\n\n- one\n- two\n\n`x = 1`\n\n```\nlet y;\n```');
    expect(out).toContain('<em>chores</em>');
    expect(out).toContain('<strong>homework</strong>');
    expect(out).toMatch(/<ul>\s*<li>one<\/li>/);
    expect(out).toContain('<code>x = 1</code>');
    expect(out).toContain('<pre><code>let y;');
  });

  it('never renders HTML from the data', () => {
    const out = html('Hi <script>alert(1)</script> <img src=x onerror=alert(1)> <b>bold</b>');
    expect(out).not.toMatch(/<script|<img|onerror|<b>/);
  });

  it('shows links with their address but never as something to follow', () => {
    const out = html('See [the guide](https://example.com/x) and ![pic](https://example.com/p.png)');
    expect(out).not.toContain('<a');
    expect(out).not.toContain('<img');
    expect(out).toContain('title="https://example.com/x"');
    expect(out).toContain('the guide');
    expect(out).toContain('[pic]');
  });
});
