import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.ts';
import '../kinds/index.ts';
import { openSource } from '../sources/index.ts';
import { parsePgUrl } from './url.ts';
import type { PgSource } from './source.ts';
import { requirePgForTests, startTestServer, type TestServer } from '../testing/pg-server.ts';

// Session settings a URL could slip in (libpq's `options=-c …`, pg's own parameters) are refused, and the
// app's own catalog queries never call a function of a user's schema, even when the database's default
// search_path puts that schema before pg_catalog (read-only stops a write, not the call itself).

const availability = requirePgForTests();
const skipReason = availability.ok ? '' : ` (skipped: ${availability.reason})`;

let server: TestServer;
let shopUrl: string;

/** As README and docs/postgres.md give it. */
const DOCUMENTED_REVOKE = `DO $$
DECLARE f regprocedure;
BEGIN
  FOR f IN SELECT d.objid::regprocedure FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
           WHERE e.extname = 'dblink' AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e' LOOP
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
  END LOOP;
END $$;`;

/** Every function or view of the `evil` schema raises this: a query that reaches one fails with it. */
const CALLED = 'evil was called';

beforeAll(async () => {
  if (!availability.ok) return;
  server = await startTestServer();
  shopUrl = await server.createDatabase('shop', { vector: false });
  await server.admin(
    `CREATE TABLE public.items (id int PRIMARY KEY, name text);
     INSERT INTO public.items SELECT g, 'item ' || g FROM generate_series(1, 7) g;
     CREATE SCHEMA evil;
     CREATE FUNCTION evil.boom() RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '${CALLED}'; END $$;
     -- Same names and argument types as what catalog queries call: earlier in search_path, they win.
     CREATE FUNCTION evil.current_schemas(boolean) RETURNS name[] LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '${CALLED}'; END $$;
     CREATE FUNCTION evil.has_table_privilege(oid, text) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '${CALLED}'; END $$;
     CREATE FUNCTION evil.format_type(oid, integer) RETURNS text LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '${CALLED}'; END $$;
     CREATE VIEW evil.pg_class AS SELECT * FROM pg_catalog.pg_class WHERE evil.boom();
     CREATE VIEW evil.pg_namespace AS SELECT * FROM pg_catalog.pg_namespace WHERE evil.boom();
     CREATE TABLE evil.notes (id int PRIMARY KEY);
     INSERT INTO evil.notes VALUES (1), (2);
     ALTER DATABASE shop SET search_path = evil, pg_catalog, public;`,
    'shop',
  );
  await server.admin('ALTER DATABASE shop SET search_path = evil, pg_catalog, public');
}, 180_000);

afterAll(async () => {
  await server?.stop();
});

async function refusal(url: string): Promise<AppError> {
  try {
    const source = await openSource(url);
    await source.close();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error(`${url} was accepted`);
}

describe.skipIf(!availability.ok)(`PostgreSQL session settings from the URL${skipReason}`, () => {
  it('the shadowing functions are real: an unqualified catalog call of a plain client reaches them', async () => {
    const client = new pg.Client({ connectionString: shopUrl });
    await client.connect();
    try {
      await expect(client.query('SELECT current_schemas(false)')).rejects.toThrow(CALLED);
    } finally {
      await client.end();
    }
  });

  it("opens, lists and counts without calling any function of the user's schemas", async () => {
    const source = await openSource(shopUrl);
    try {
      expect(source.summary().kind).toBe('generic');
      const info = await source.info();
      const items = info.tables.find((t) => t.name === 'items');
      expect(items).toMatchObject({ type: 'table', columns: 2, rows: 7 });
      expect(info.tables.find((t) => t.name === 'notes')).toMatchObject({ rows: 2 });
      // The mapping engine's catalog (mapped sources) too.
      const tables = await (source as PgSource).sqlEngine().tables();
      expect(tables.map((t) => t.name)).toContain('items');
      // The person's own queries still reach their tables, in every schema of their search_path.
      expect((await source.query('SELECT count(*)::int FROM items')).rows).toEqual([[7]]);
      expect((await source.query('SELECT count(*)::int FROM notes')).rows).toEqual([[2]]);
      // And pg_catalog comes first in the app's transactions.
      expect(
        String((await source.query('SELECT pg_catalog.current_setting($$search_path$$)')).rows[0]![0]),
      ).toMatch(/^pg_catalog, /);
    } finally {
      await source.close();
    }
  });

  it.each([
    ['options=-c%20search_path%3Devil', 'search_path'],
    ['options=-c%20search_path%3Devil%2Cpg_catalog%2Cpublic', 'search_path'],
    ['options=-csearch_path%3Devil', 'search_path'],
    ['options=--search_path%3Devil', 'search_path'],
    ['options=-c%20default_transaction_read_only%3Doff', 'default_transaction_read_only'],
    ['options=-c%20statement_timeout%3D0', 'statement_timeout'],
    ['options=-c%20role%3Dpostgres', 'role'],
    ['statement_timeout=0', 'statement_timeout'],
    ['lock_timeout=0', 'lock_timeout'],
    ['idle_in_transaction_session_timeout=0', 'idle_in_transaction_session_timeout'],
    ['replication=database', 'replication'],
    ['search_path=evil', 'search_path'],
  ])('refuses ?%s', async (query, setting) => {
    const error = await refusal(`${shopUrl}?${query}`);
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain(setting);
    expect(error.message).not.toContain(server.superPassword);
  });

  it('accepts harmless parameters (ssl mode, application name, work_mem in options)', async () => {
    const source = await openSource(
      `${shopUrl}?sslmode=disable&connect_timeout=5&options=-c%20work_mem%3D8MB%20-c%20client_min_messages%3Dwarning`,
    );
    try {
      expect((await source.query('SHOW work_mem')).rows).toEqual([['8MB']]);
    } finally {
      await source.close();
    }
  });

  it('a read-only transaction does not stop a view that writes through dblink; the documented REVOKE does', async () => {
    await server.createDatabase('linked', { vector: false });
    await server.admin(
      `CREATE EXTENSION dblink;
       CREATE TABLE public.audit (note text);
       CREATE VIEW public.leaky AS
         SELECT dblink_exec('dbname=linked host=127.0.0.1 port=${server.port} user=postgres password=${server.superPassword}',
                            'INSERT INTO public.audit VALUES (''written'')') AS done;
       CREATE ROLE viewer LOGIN PASSWORD 'viewer-pw';
       GRANT USAGE ON SCHEMA public TO viewer;
       GRANT SELECT ON ALL TABLES IN SCHEMA public TO viewer;`,
      'linked',
    );
    const audited = async () =>
      Number((await server.admin('SELECT count(*) AS n FROM audit', 'linked')).rows[0].n);
    const source = await openSource(server.url('linked', 'viewer', 'viewer-pw'));
    try {
      // The write happens: another connection, which BEGIN READ ONLY does not cover.
      await source.query('SELECT * FROM leaky');
      expect(await audited()).toBe(1);
      // The SQL of README / docs/postgres.md: dblink's functions no longer run for PUBLIC.
      await server.admin(DOCUMENTED_REVOKE, 'linked');
      await expect(source.query('SELECT * FROM leaky')).rejects.toThrow(
        /permission denied for function dblink_exec/,
      );
      expect(await audited()).toBe(1);
    } finally {
      await source.close();
    }
  });

  it('masks ?password= like the password of the userinfo', () => {
    const url = `postgres://user@127.0.0.1:${server.port}/shop?sslmode=disable&password=Hidden-pw-1`;
    expect(parsePgUrl(url).display).not.toContain('Hidden-pw-1');
  });
});
