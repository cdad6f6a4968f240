import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { Tabs } from './ui.tsx';

describe('Tabs', () => {
  it('marks the active tab and ties each tab to its panel by id', () => {
    const html = renderToStaticMarkup(
      <Tabs
        tabs={['create', 'archives'] as const}
        active="archives"
        label="Backups"
        idPrefix="backups-"
        labelOf={(id) => `Tab ${id}`}
        onSelect={() => {}}
      />,
    );
    expect(html).toContain('role="tablist" aria-label="Backups"');
    expect(html).toContain(
      '<button type="button" role="tab" id="backups-tab-create" aria-selected="false" aria-controls="backups-panel-create" class="tab">Tab create</button>',
    );
    expect(html).toContain(
      '<button type="button" role="tab" id="backups-tab-archives" aria-selected="true" aria-controls="backups-panel-archives" class="tab is-active">Tab archives</button>',
    );
  });

  it('names no panel when the screen has none to name', () => {
    const html = renderToStaticMarkup(
      <Tabs tabs={['rows', 'sql']} active="rows" labelOf={(v) => v} onSelect={() => {}} />,
    );
    expect(html).not.toContain('aria-controls');
    expect(html).not.toContain(' id=');
    expect(html.match(/role="tab"/g)).toHaveLength(2);
  });
});
