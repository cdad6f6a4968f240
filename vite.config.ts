import react from '@vitejs/plugin-react';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type ProxyOptions } from 'vite';
import { TOKEN_HEADER, TOKEN_QUERY } from './shared/transport.ts';

const ROOT = dirname(fileURLToPath(import.meta.url));

/**
 * `npx vite` (dev server) can talk to a running `chat-inspector serve`: start it, then
 * `CHAT_INSPECTOR_API='http://127.0.0.1:PORT/?token=…' npx vite`. The proxy adds the token and presents
 * the server's own origin, so the server's Host/Origin checks pass without loosening them.
 */
function apiProxy(): Record<string, ProxyOptions> | undefined {
  const raw = process.env.CHAT_INSPECTOR_API;
  if (!raw) return undefined;
  const url = new URL(raw);
  const token = url.searchParams.get(TOKEN_QUERY) ?? '';
  const proxy = {
    target: url.origin,
    changeOrigin: true,
    headers: { [TOKEN_HEADER]: token, origin: url.origin },
  };
  // The operations, and the jobs' server-sent events.
  return { '/api/': proxy, '/events/': proxy };
}

// The renderer is served from app://chat-inspector/ (Electron) and http://127.0.0.1:PORT/ (browser mode):
// both at the origin's root, under a CSP without inline scripts.
export default defineConfig({
  root: join(ROOT, 'renderer'),
  base: '/',
  plugins: [react()],
  build: {
    outDir: join(ROOT, 'dist', 'renderer'),
    emptyOutDir: true,
    // Electron ships a current Chromium; browser mode is for current browsers too.
    target: 'chrome120',
    sourcemap: false,
    chunkSizeWarningLimit: 2000,
    reportCompressedSize: false,
    rolldownOptions: {
      output: {
        // The CSP forbids eval, so zod cannot compile its fast parsers here anyway; turning its JIT off up
        // front also skips zod's `new Function` probe, which a strict CSP reports as a violation. (Same as
        // z.config({ jitless: true }) before the first parse; zod keeps its config on this global.)
        banner: '(globalThis.__zod_globalConfig ??= {}).jitless = true;',
      },
    },
  },
  server: {
    host: '127.0.0.1',
    fs: { allow: [ROOT] },
    proxy: apiProxy(),
  },
});
