import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import i18next from 'i18next';
import { renderToStaticMarkup } from 'react-dom/server';
import { initReactI18next } from 'react-i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionsOut } from '../../../shared/contract/sources.ts';
import { opKey } from '../../api/index.ts';
import { ConnectPanel } from './ConnectPanel.tsx';
import { ensureSourcesStrings } from './strings.ts';

// The connect panel as the main process describes it: saved connections (name, URL without password, a
// note that the password is in the keychain), recent server URLs, and an untrusted settings file named.

beforeAll(async () => {
  // As the app initialises it (renderer/i18n): React escapes, i18next does not.
  await i18next.use(initReactI18next).init({
    lng: 'en',
    resources: {},
    initAsync: false,
    interpolation: { escapeValue: false },
  });
  ensureSourcesStrings();
});

function render(connections: ConnectionsOut): string {
  const client = new QueryClient();
  client.setQueryData(opKey('sources.connections', {}), connections);
  return renderToStaticMarkup(
    <QueryClientProvider client={client}>
      <ConnectPanel />
    </QueryClientProvider>,
  );
}

describe('connect panel', () => {
  it('lists saved connections and recent servers, with forget buttons', () => {
    const html = render({
      saved: [
        {
          id: 'aaaaaaaaaaaa',
          name: 'EvoSense prod',
          label: 'postgresql://reader@db.example.com/evosense',
          hasPassword: true,
          savedAt: '2026-11-01T10:00:00Z',
        },
        {
          id: 'bbbbbbbbbbbb',
          name: 'Clinic',
          label: 'postgresql://clinic@db.example.com/clinic',
          hasPassword: false,
          savedAt: '2026-11-01T10:00:00Z',
        },
      ],
      recent: [
        { id: 'cccccccccccc', label: 'postgresql://ops@10.0.0.5/evosense', usedAt: '2026-11-02T08:00:00Z' },
      ],
      canSavePasswords: true,
      problem: null,
    });
    expect(html).toContain('data-testid="saved-connections"');
    expect(html).toContain('EvoSense prod');
    expect(html).toContain('postgresql://reader@db.example.com/evosense');
    expect(html.match(/password in the OS keychain/g)).toHaveLength(1);
    expect(html).toContain('data-testid="recent-sources"');
    expect(html).toContain('postgresql://ops@10.0.0.5/evosense');
    expect(html).toContain('aria-label="Forget the saved connection EvoSense prod"');
    expect(html).toContain('aria-label="Forget postgresql://ops@10.0.0.5/evosense from the recent list"');
    expect(html).not.toContain('data-testid="saved-problem"');
  });

  it('says when the settings file was not trusted, and shows nothing of it', () => {
    const html = render({
      saved: [],
      recent: [],
      canSavePasswords: false,
      problem: '/home/x/.config/chat-inspector/connections.json is damaged (not valid JSON); it was not used',
    });
    expect(html).toContain('data-testid="saved-problem"');
    expect(html).toContain('is damaged (not valid JSON)');
    expect(html).not.toContain('data-testid="saved-connections"');
    expect(html).not.toContain('data-testid="recent-sources"');
  });
});
