import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NODE, REPO } from '../testing/cli.ts';
import {
  ACCESS_LOG_FILE,
  ACCESS_LOG_HEAD,
  appendAccess,
  exportAccessLog,
  recordLoggingSetting,
  verifyAccessLog,
  type AccessView,
} from './access-log.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ci-access-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const SOURCE = { id: 'clinic', kind: 'postgres', locator: 'postgres://ana:s3cret@db.local:5432/clinic' };
const views: AccessView[] = [
  { operation: 'conversation.open', source: SOURCE, conversation: '5511987654321' },
  { operation: 'conversation.search', source: SOURCE, conversation: '5511987654321' },
  { operation: 'subject.find', source: SOURCE, subject: { kind: 'cpf', value: '529.982.247-25' } },
  {
    operation: 'export',
    source: { id: null, kind: 'root', locator: '/srv/bot/data/chats' },
    conversation: '1001',
  },
  { operation: 'subject.export', source: SOURCE, subject: { kind: 'phone', value: '+55 (11) 98765-4321' } },
];

/** Five entries, one a day from 2026-12-01, by "auditor". */
function writeFive(): void {
  views.forEach((view, i) =>
    appendAccess(dir, view, { now: () => new Date(Date.UTC(2026, 11, 1 + i, 12)), osUser: 'auditor' }),
  );
}

const logFile = () => join(dir, ACCESS_LOG_FILE);
const lines = () => readFileSync(logFile(), 'utf8').split('\n').slice(0, -1);
const rewrite = (next: string[]) => writeFileSync(logFile(), next.map((l) => `${l}\n`).join(''));

describe('the access log', () => {
  it('one JSON line per view, chained, never content, the password masked', () => {
    writeFive();
    const written = lines().map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(written).toHaveLength(5);
    expect(Object.keys(written[0]!)).toEqual([
      'seq',
      'at',
      'osUser',
      'operation',
      'source',
      'conversation',
      'subject',
      'prevHash',
      'hash',
    ]);
    expect(written[0]).toMatchObject({
      seq: 1,
      at: '2026-12-01T12:00:00.000Z',
      osUser: 'auditor',
      operation: 'conversation.open',
      source: { id: 'clinic', kind: 'postgres', locator: 'postgres://ana:***@db.local:5432/clinic' },
      conversation: '5511987654321',
      subject: null,
      prevHash: '0'.repeat(64),
    });
    expect(written[1]!.prevHash).toBe(written[0]!.hash);
    // Subjects are kept in the form they are compared in.
    expect(written[2]!.subject).toEqual({ kind: 'cpf', value: '52998224725' });
    expect(written[4]!.subject).toEqual({ kind: 'phone', value: '+55 11 98765-4321' });
    expect(readFileSync(logFile(), 'utf8')).not.toContain('s3cret');
    expect(verifyAccessLog(dir)).toEqual({ ok: true, entries: 5, headHash: written[4]!.hash });
    expect(JSON.parse(readFileSync(join(dir, ACCESS_LOG_HEAD), 'utf8'))).toEqual({
      count: 5,
      hash: written[4]!.hash,
    });
  });

  it('an empty or absent log verifies', () => {
    expect(verifyAccessLog(dir)).toMatchObject({ ok: true, entries: 0 });
  });

  describe('verify finds every kind of tampering, with the line', () => {
    beforeEach(writeFive);

    it('a field edited', () => {
      const next = lines();
      next[1] = next[1]!.replace('conversation.search', 'conversation.open');
      rewrite(next);
      expect(verifyAccessLog(dir)).toMatchObject({ ok: false, problem: 'edited', line: 2 });
    });

    it('a field edited and its hash recomputed: the next line no longer follows', async () => {
      const { createHash } = await import('node:crypto');
      const next = lines();
      const entry = JSON.parse(next[1]!) as Record<string, unknown>;
      entry.osUser = 'someone-else';
      const { hash: _old, ...rest } = entry;
      entry.hash = createHash('sha256').update(JSON.stringify(rest)).digest('hex');
      next[1] = JSON.stringify({ ...rest, hash: entry.hash });
      rewrite(next);
      expect(verifyAccessLog(dir)).toMatchObject({ ok: false, problem: 'edited', line: 3 });
    });

    it('only white space changed', () => {
      const next = lines();
      next[3] = next[3]!.replace('"seq":4,', '"seq": 4,');
      rewrite(next);
      expect(verifyAccessLog(dir)).toMatchObject({ ok: false, problem: 'edited', line: 4 });
    });

    it('a line deleted in the middle, or the first', () => {
      rewrite(lines().filter((_, i) => i !== 2));
      expect(verifyAccessLog(dir)).toMatchObject({ ok: false, problem: 'deleted', line: 3 });
      writeFileSync(logFile(), '');
      rmSync(join(dir, ACCESS_LOG_HEAD));
      writeFive();
      rewrite(lines().slice(1));
      expect(verifyAccessLog(dir)).toMatchObject({ ok: false, problem: 'deleted', line: 1 });
    });

    it('two lines swapped', () => {
      const next = lines();
      [next[1], next[2]] = [next[2]!, next[1]!];
      rewrite(next);
      expect(verifyAccessLog(dir)).toMatchObject({ ok: false, problem: 'reordered', line: 2 });
    });

    it('the last lines deleted, or the last one cut short', () => {
      const all = lines();
      rewrite(all.slice(0, 3));
      expect(verifyAccessLog(dir)).toMatchObject({ ok: false, problem: 'truncated', line: 4 });
      writeFileSync(logFile(), `${all.join('\n')}`); // the last newline gone
      expect(verifyAccessLog(dir)).toMatchObject({ ok: false, problem: 'truncated', line: 5 });
      writeFileSync(logFile(), `${all.slice(0, 4).join('\n')}\n${all[4]!.slice(0, 40)}`);
      expect(verifyAccessLog(dir)).toMatchObject({ ok: false, problem: 'truncated', line: 5 });
    });

    it('the head removed or changed', () => {
      writeFileSync(join(dir, ACCESS_LOG_HEAD), '{"count":5,"hash":"' + 'a'.repeat(64) + '"}');
      expect(verifyAccessLog(dir)).toMatchObject({ ok: false, problem: 'edited', line: 5 });
      rmSync(join(dir, ACCESS_LOG_HEAD));
      expect(verifyAccessLog(dir)).toMatchObject({ ok: false, problem: 'head_missing' });
    });

    it('a head behind by the last line (a writer stopped between the two) is not tampering', () => {
      const first = lines().map((l) => JSON.parse(l) as { hash: string });
      writeFileSync(join(dir, ACCESS_LOG_HEAD), JSON.stringify({ count: 4, hash: first[3]!.hash }));
      expect(verifyAccessLog(dir)).toMatchObject({ ok: true, entries: 5 });
    });
  });

  it('a log that cannot be written refuses with access_log_unwritable, and writes nothing', () => {
    // The folder is a file.
    const notADir = join(dir, 'file');
    writeFileSync(notADir, 'x');
    expect(() => appendAccess(join(notADir, 'home'), views[0]!)).toThrow(
      expect.objectContaining({ code: 'access_log_unwritable' }),
    );
    // The log's name is taken by a folder.
    const home = join(dir, 'home');
    mkdirSync(join(home, ACCESS_LOG_FILE), { recursive: true });
    expect(() => appendAccess(home, views[0]!)).toThrow(
      expect.objectContaining({ code: 'access_log_unwritable' }),
    );
    // The last line cut short (a crash mid-write): nothing is appended after it.
    writeFive();
    const before = readFileSync(logFile(), 'utf8');
    writeFileSync(logFile(), before.slice(0, -10));
    expect(() => appendAccess(dir, views[0]!)).toThrow(
      expect.objectContaining({
        code: 'access_log_unwritable',
        message: expect.stringContaining('cut short'),
      }),
    );
    expect(readFileSync(logFile(), 'utf8')).toBe(before.slice(0, -10));
    expect(() => appendAccess(dir, { operation: 'delete-everything' as never, source: null })).toThrow(
      expect.objectContaining({ code: 'invalid_input' }),
    );
  });

  it('turning logging off is itself logged', () => {
    recordLoggingSetting(dir, false, { osUser: 'admin' });
    recordLoggingSetting(dir, true, { osUser: 'admin' });
    expect(lines().map((l) => (JSON.parse(l) as { operation: string }).operation)).toEqual([
      'logging.off',
      'logging.on',
    ]);
    expect(verifyAccessLog(dir)).toMatchObject({ ok: true, entries: 2 });
  });

  it('a lock left by a dead process is broken; one held by a live writer makes the append wait, then refuse', () => {
    const dead = spawnSync(NODE, ['-e', 'process.stdout.write(String(process.pid))']);
    writeFileSync(join(dir, 'access-log.lock'), `${dead.stdout.toString()} 0 deadbeef`);
    appendAccess(dir, views[0]!);
    expect(verifyAccessLog(dir)).toMatchObject({ ok: true, entries: 1 });
    writeFileSync(join(dir, 'access-log.lock'), `${process.pid} 7 someone-else`);
    expect(() => appendAccess(dir, views[1]!, { lockWaitMs: 100 })).toThrow(
      expect.objectContaining({ code: 'access_log_unwritable', message: expect.stringContaining('lock') }),
    );
    expect(lines()).toHaveLength(1);
  });

  it('two processes appending at once keep one unbroken chain', async () => {
    const child = `
      import { appendAccess } from ${JSON.stringify(join(REPO, 'main/audit/access-log.ts'))};
      const [dir, who] = process.argv.slice(1);
      for (let i = 0; i < 150; i++)
        appendAccess(dir, { operation: 'conversation.open', source: null, conversation: who + '-' + i }, { osUser: who });
    `;
    const run = (who: string) =>
      new Promise<number | null>((resolve) => {
        const p = spawn(NODE, ['--input-type=module', '-e', child, dir, who], { stdio: 'inherit' });
        p.on('exit', resolve);
      });
    const both = Promise.all([run('alpha'), run('beta')]);
    let done = false;
    void both.then(() => (done = true));
    // Verified again and again while they write: a line being appended is never taken for a cut one.
    const seen: unknown[] = [];
    while (!done) {
      const check = verifyAccessLog(dir);
      if (!check.ok) seen.push(check);
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    expect(seen).toEqual([]);
    expect(await both).toEqual([0, 0]);
    expect(verifyAccessLog(dir)).toMatchObject({ ok: true, entries: 300 });
    const written = lines().map(
      (l) => JSON.parse(l) as { seq: number; osUser: string; conversation: string },
    );
    expect(written.map((e) => e.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    for (const who of ['alpha', 'beta'])
      expect(written.filter((e) => e.osUser === who).map((e) => e.conversation)).toEqual(
        Array.from({ length: 150 }, (_, i) => `${who}-${i}`),
      );
  }, 120_000);

  it('exportAccessLog: by person as people write it, by conversation, by dates, with the verification', () => {
    writeFive();
    const by = (filter: Parameters<typeof exportAccessLog>[1]) =>
      exportAccessLog(dir, filter).entries.map((e) => e.seq);
    expect(by({ subject: { kind: 'cpf', value: '52998224725' } })).toEqual([3]);
    expect(by({ subject: { kind: 'phone', value: '11987654321' } })).toEqual([5]);
    expect(by({ subject: { kind: 'phone', value: '(21) 98765-4321' } })).toEqual([]);
    expect(by({ conversation: '5511987654321' })).toEqual([1, 2]);
    expect(by({ from: new Date('2026-12-02T00:00:00Z'), to: new Date('2026-12-04T00:00:00Z') })).toEqual([
      2, 3,
    ]);
    expect(by({})).toEqual([1, 2, 3, 4, 5]);
    expect(exportAccessLog(dir).verification).toMatchObject({ ok: true });
    const tampered = lines();
    tampered[0] = tampered[0]!.replace('auditor', 'nobody');
    rewrite(tampered);
    expect(exportAccessLog(dir).verification).toMatchObject({ ok: false, line: 1 });
  });
});
