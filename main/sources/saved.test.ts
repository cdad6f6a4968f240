import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.ts';
import { createContext } from '../api/create-context.ts';
import { invoke } from '../api/dispatch.ts';
import type { ConnectionsOut } from '../../shared/contract/sources.ts';
import { CONNECTIONS_FILE, keychainFrom, SavedConnections, type Encryptor } from './saved.ts';

// Saved connections with a fake keychain: the password is only ever written sealed, never shown, forgotten
// with its connection; without a keychain it is refused; a settings file that is not ours is not trusted.

const PASSWORD = 'Very-s3cret-Pass';
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function home(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ci-saved-'));
  dirs.push(dir);
  return dir;
}

/** Seals by XOR with a key and a marker, so the sealed bytes hold neither the text nor its base64. */
function fakeKeychain(available = true): Encryptor & { sealed: number } {
  const key = 0x5a;
  const keychain = {
    sealed: 0,
    isEncryptionAvailable: () => available,
    encryptString(text: string) {
      keychain.sealed++;
      return Buffer.concat([Buffer.from('v10'), Buffer.from(text, 'utf8').map((b) => b ^ key)]);
    },
    decryptString(sealed: Buffer) {
      if (sealed.subarray(0, 3).toString() !== 'v10') throw new Error('not sealed by this keychain');
      return Buffer.from(sealed.subarray(3).map((b) => b ^ key)).toString('utf8');
    },
  };
  return keychain;
}

const fileOf = (dir: string) => readFileSync(join(dir, CONNECTIONS_FILE), 'utf8');
const mentionsPassword = (text: string) =>
  text.includes(PASSWORD) ||
  text.includes(Buffer.from(PASSWORD).toString('base64')) ||
  text.includes(encodeURIComponent(PASSWORD));

async function codeOf(run: () => unknown): Promise<{ code: string; message: string }> {
  try {
    await run();
    return { code: 'resolved', message: '' };
  } catch (error) {
    return error instanceof AppError
      ? { code: error.code, message: error.message }
      : { code: 'not an AppError', message: String(error) };
  }
}

describe('saved server connections', () => {
  it('keeps the password only sealed by the keychain: never in the file in clear, never in what is shown', () => {
    const dir = home();
    const keychain = fakeKeychain();
    const store = new SavedConnections(dir, keychain);
    const shown = store.save({
      url: 'postgresql://reader@db.example.com:5432/evosense',
      name: 'EvoSense prod',
      password: PASSWORD,
      rememberPassword: true,
    });
    expect(shown).toMatchObject({ name: 'EvoSense prod', hasPassword: true });
    expect(keychain.sealed).toBe(1);
    const file = fileOf(dir);
    expect(mentionsPassword(file)).toBe(false);
    expect(JSON.parse(file).saved[0].sealedPassword).toEqual(expect.any(String));
    const view = store.view();
    expect(mentionsPassword(JSON.stringify(view))).toBe(false);
    expect(JSON.stringify(view)).not.toContain('sealed');
    expect(store.unlock(shown.id)).toEqual({
      url: 'postgresql://reader@db.example.com:5432/evosense',
      password: PASSWORD,
    });
  });

  it('takes a password out of the URL: stored without it, kept only when asked, and sealed', () => {
    const dir = home();
    const store = new SavedConnections(dir, fakeKeychain());
    const url = `postgresql://reader:${encodeURIComponent(PASSWORD)}@db.example.com/evosense`;
    const forgotten = store.save({ url, rememberPassword: false });
    expect(forgotten).toMatchObject({
      label: 'postgresql://reader@db.example.com/evosense',
      hasPassword: false,
    });
    expect(mentionsPassword(fileOf(dir))).toBe(false);
    expect(store.unlock(forgotten.id).password).toBeUndefined();
    // The same URL again replaces the entry (same id), now with the password sealed.
    const kept = store.save({ url, rememberPassword: true });
    expect(kept.id).toBe(forgotten.id);
    expect(store.view().saved).toHaveLength(1);
    expect(mentionsPassword(fileOf(dir))).toBe(false);
    expect(store.unlock(kept.id).password).toBe(PASSWORD);
    expect(
      syncCodeOf(() =>
        store.save({ url: 'postgresql://db.example.com/x?password=abc', rememberPassword: false }),
      ).message,
    ).toMatch(/password field/);
  });

  it('without a keychain (browser mode, CLI, basic_text): a password is refused, the connection alone is saved', async () => {
    for (const keychain of [
      null,
      fakeKeychain(false),
      keychainFrom({ ...fakeKeychain(), getSelectedStorageBackend: () => 'basic_text' }),
    ]) {
      const dir = home();
      const store = new SavedConnections(dir, keychain);
      expect(store.canSavePasswords).toBe(false);
      const refused = await codeOf(() =>
        store.save({
          url: 'postgresql://reader@db.example.com/evosense',
          password: PASSWORD,
          rememberPassword: true,
        }),
      );
      expect(refused.code).toBe('invalid_input');
      expect(refused.message).toMatch(/no OS keychain/);
      expect(refused.message).not.toContain(PASSWORD);
      expect(existsSync(join(dir, CONNECTIONS_FILE))).toBe(false);
      const saved = store.save({
        url: 'postgresql://reader@db.example.com/evosense',
        rememberPassword: false,
      });
      expect(saved.hasPassword).toBe(false);
      expect(mentionsPassword(fileOf(dir))).toBe(false);
    }
    expect(
      keychainFrom({
        ...fakeKeychain(),
        getSelectedStorageBackend: () => 'gnome_libsecret',
      }).isEncryptionAvailable(),
    ).toBe(true);
  });

  it('forget removes the connection with its sealed password; recent entries are forgotten too', () => {
    const dir = home();
    const store = new SavedConnections(dir, fakeKeychain());
    const a = store.save({ url: 'postgresql://a@h/db', password: PASSWORD, rememberPassword: true });
    const b = store.save({ url: 'postgresql://b@h/db', rememberPassword: false });
    const sealed = JSON.parse(fileOf(dir)).saved.find((c: { id: string }) => c.id === a.id).sealedPassword;
    expect(store.forget({ saved: a.id })).toBe(true);
    expect(fileOf(dir)).not.toContain(sealed);
    expect(store.view().saved.map((c) => c.id)).toEqual([b.id]);
    expect(store.forget({ saved: a.id })).toBe(false);
    store.remember(`postgresql://r:${PASSWORD}@h/db1`);
    const recent = store.view().recent[0]!;
    expect(recent.label).toBe('postgresql://r@h/db1');
    expect(store.forget({ recent: recent.id })).toBe(true);
    expect(store.view().recent).toEqual([]);
    expect(readdirSync(dir)).toEqual([CONNECTIONS_FILE]); // no temp file left behind
  });

  it('the recent list holds URLs without password, newest first, each once, at most 10', () => {
    const dir = home();
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const store = new SavedConnections(dir, null, () => new Date((clock += 1000)));
    for (let i = 0; i < 12; i++) store.remember(`postgresql://u:${PASSWORD}@h/db${i}`);
    store.remember(`postgresql://u:${PASSWORD}@h/db5`);
    const recent = store.view().recent.map((r) => r.label);
    expect(recent).toHaveLength(10);
    expect(recent[0]).toBe('postgresql://u@h/db5');
    expect(new Set(recent).size).toBe(10);
    expect(mentionsPassword(fileOf(dir))).toBe(false);
  });

  it('a damaged settings file is reported and not trusted; saving moves it aside', async () => {
    for (const content of [
      '{"version": 1, "saved": [',
      JSON.stringify({ version: 1, saved: [{ id: 'x' }], recent: [] }),
      JSON.stringify({ version: 7, saved: [], recent: [] }),
      // Edited by hand to hold a password in clear: not used.
      JSON.stringify({
        version: 1,
        saved: [
          {
            id: 'aaaaaaaaaaaa',
            name: 'x',
            url: 'postgresql://u:clear@h/db',
            sealedPassword: null,
            savedAt: '2026-01-01T00:00:00Z',
          },
        ],
        recent: [],
      }),
    ]) {
      const dir = home();
      writeFileSync(join(dir, CONNECTIONS_FILE), content);
      const store = new SavedConnections(dir, fakeKeychain());
      const view = store.view();
      expect(view.problem).toMatch(/not used/);
      expect(view.saved).toEqual([]);
      expect((await codeOf(() => store.unlock('aaaaaaaaaaaa'))).code).toBe('corrupt');
      expect((await codeOf(() => store.forget({ saved: 'aaaaaaaaaaaa' }))).code).toBe('corrupt');
      store.remember('postgresql://u@h/db'); // leaves an untrusted file alone
      expect(readFileSync(join(dir, CONNECTIONS_FILE), 'utf8')).toBe(content);
      store.save({ url: 'postgresql://u@h/db', rememberPassword: false });
      const files = readdirSync(dir).sort();
      expect(files).toHaveLength(2);
      expect(files[0]).toBe(CONNECTIONS_FILE);
      expect(readFileSync(join(dir, files[1]!), 'utf8')).toBe(content);
      expect(store.view()).toMatchObject({ problem: null, saved: [{ label: 'postgresql://u@h/db' }] });
    }
  });

  it('a sealed password the keychain cannot open is one clear error, not a crash or a wrong password', async () => {
    const dir = home();
    const saved = new SavedConnections(dir, fakeKeychain()).save({
      url: 'postgresql://u@h/db',
      password: PASSWORD,
      rememberPassword: true,
    });
    const other: Encryptor = {
      ...fakeKeychain(),
      decryptString: () => {
        throw new Error('bad key');
      },
    };
    const failed = await codeOf(() => new SavedConnections(dir, other).unlock(saved.id));
    expect(failed.code).toBe('corrupt');
    expect(failed.message).toMatch(/could not be unsealed/);
    const noKeychain = await codeOf(() => new SavedConnections(dir, null).unlock(saved.id));
    expect(noKeychain.message).toMatch(/keychain/);
  });

  it('through the contract: saved, save, forget; browser mode keeps no recent list', async () => {
    const dir = home();
    const ctx = createContext({ userDataDir: dir, keychain: fakeKeychain(), offload: null });
    const saved = (await invoke(
      'sources.save',
      { url: 'postgresql://reader@db.example.com/evosense', password: PASSWORD, rememberPassword: true },
      ctx,
    )) as ConnectionsOut;
    expect(saved.canSavePasswords).toBe(true);
    expect(saved.saved[0]).toMatchObject({
      hasPassword: true,
      label: 'postgresql://reader@db.example.com/evosense',
    });
    expect(mentionsPassword(JSON.stringify(saved))).toBe(false);
    const browser = createContext({ userDataDir: dir, rememberRecent: false, offload: null });
    const shown = (await invoke('sources.connections', {}, browser)) as ConnectionsOut;
    expect(shown.canSavePasswords).toBe(false);
    expect(shown.saved).toHaveLength(1);
    const refused = await codeOf(() =>
      invoke(
        'sources.save',
        { url: 'postgresql://x@h/db', password: PASSWORD, rememberPassword: true },
        browser,
      ),
    );
    expect(refused.message).toMatch(/no OS keychain/);
    const forgotten = (await invoke('sources.forget', { saved: saved.saved[0]!.id }, ctx)) as ConnectionsOut;
    expect(forgotten.saved).toEqual([]);
  });
});

function syncCodeOf(run: () => unknown): { code: string; message: string } {
  try {
    run();
    return { code: 'resolved', message: '' };
  } catch (error) {
    return error instanceof AppError
      ? { code: error.code, message: error.message }
      : { code: 'not an AppError', message: String(error) };
  }
}
