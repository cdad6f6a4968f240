// The one place that loads better-sqlite3. URI filenames must be switched on before the native addon
// initialises (it reads SQLITE_USE_URI once): read-only opens rely on `?immutable=1` to leave no trace.
process.env.SQLITE_USE_URI = '1';

import Database from 'better-sqlite3';

export default Database;
export type { Database };
