import { chromium } from '@playwright/test';
import { TOKEN_HEADER } from '../shared/transport.ts';
import { CHROMIUM_ARGS, chromiumPath } from './support/browser.ts';
import { expect, test } from './support/server.ts';

// Browser mode as a real browser sees it: the token gate, the cookie, the CSP on the built UI, and the
// defences against other web pages (cross-origin requests, DNS rebinding).

test('the address with the token opens the UI; without it nothing is served', async ({ page, app }) => {
  const denied = await page.goto(`${app.origin}/`);
  expect(denied?.status()).toBe(401);
  expect(await page.content()).not.toContain('<script');

  const violations: string[] = [];
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.exposeFunction('reportViolation', (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      (window as unknown as { reportViolation(text: string): void }).reportViolation(
        `${event.violatedDirective} ${event.blockedURI}`,
      );
    });
  });

  const opened = await page.goto(app.url);
  expect(opened?.status()).toBe(200);
  const headers = opened!.headers();
  expect(headers['content-security-policy']).toContain("script-src 'self'");
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
  // The built UI actually runs under that CSP: its scripts load and render something.
  await expect(page.locator('#root')).not.toBeEmpty();
  await page.waitForLoadState('networkidle');
  expect(violations).toEqual([]);
  expect(errors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);

  const cookies = await page.context().cookies(app.origin);
  const token = cookies.find((c) => c.value === app.token);
  expect(token?.httpOnly).toBe(true);
  expect(token?.sameSite).toBe('Strict');
  // The cookie is invisible to scripts.
  expect(await page.evaluate(() => document.cookie)).not.toContain(app.token);

  // Reloading without ?token= works on the cookie.
  const again = await page.goto(`${app.origin}/`);
  expect(again?.status()).toBe(200);
});

test('the CSP blocks inline script and eval in the served page', async ({ page, app }) => {
  await page.goto(app.url);
  const result = await page.evaluate(async () => {
    const w = window as unknown as { inlineRan?: boolean };
    const script = document.createElement('script');
    script.textContent = 'window.inlineRan = true';
    document.body.append(script);
    await new Promise((r) => setTimeout(r, 50));
    let evalResult: string;
    try {
      evalResult = String((0, eval)('1 + 1'));
    } catch {
      evalResult = 'blocked';
    }
    return { inline: w.inlineRan === true, eval: evalResult };
  });
  expect(result).toEqual({ inline: false, eval: 'blocked' });
});

test('the API answers the page itself and refuses other origins', async ({ page, app }) => {
  await page.goto(app.url);
  const own = await page.evaluate(async () => {
    const res = await fetch('/api/places.list', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    return {
      status: res.status,
      body: (await res.json()) as { ok: boolean; value?: { current?: { path: string } } },
    };
  });
  expect(own.status).toBe(200);
  expect(own.body.value?.current?.path).toBe(app.root);

  // A page of another site (served here by Playwright, no network involved) tries to read the API with
  // the person's cookie: the SameSite=Strict cookie is not sent, the Origin is refused, nothing is readable.
  await page.route('http://evil.example/**', (route) =>
    route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>evil</title>' }),
  );
  await page.goto('http://evil.example/');
  const attempts = await page.evaluate(
    async ({ origin, header, token }) => {
      const results: string[] = [];
      for (const init of [
        {
          method: 'POST',
          credentials: 'include',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        },
        { method: 'POST', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: '{}' },
        { method: 'POST', headers: { 'content-type': 'application/json', [header]: token }, body: '{}' },
      ] as RequestInit[]) {
        try {
          const res = await fetch(`${origin}/api/places.list`, init);
          results.push(`read ${res.status} ${await res.text()}`);
        } catch (error) {
          results.push(`failed ${(error as Error).name}`);
        }
      }
      return results;
    },
    { origin: app.origin, header: TOKEN_HEADER, token: app.token },
  );
  expect(attempts).toEqual(['failed TypeError', 'failed TypeError', 'failed TypeError']);
});

test('a DNS-rebinding name that points at 127.0.0.1 is refused', async ({ app }) => {
  // Chromium resolves rebind.example to 127.0.0.1, as a rebinding attacker's DNS would.
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP rebind.example 127.0.0.1'],
  });
  try {
    const page = await browser.newPage();
    const res = await page.goto(`http://rebind.example:${app.port}/?token=${app.token}`);
    expect(res?.status()).toBe(403);
    expect(await page.content()).not.toContain('<script');
    const api = await page.evaluate(async () => {
      const r = await fetch('/api/places.list', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      return r.status;
    });
    expect(api).toBe(403);
  } finally {
    await browser.close();
  }
});
