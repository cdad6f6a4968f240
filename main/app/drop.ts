import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { AppError } from '../../shared/errors.ts';
import { MAX_PATH_LENGTH } from '../../shared/contract/primitives.ts';
import { readHeader } from '../sqlite/header.ts';

/**
 * What may be opened by dropping it on the window: an existing folder (a data root) or a file that starts
 * like an SQLite database (a damaged one too: looking at those is the point). Anything else is refused
 * before it reaches the allow-list. Pure Node, so it is tested without Electron.
 */
export function checkDroppedPath(path: unknown): string {
  if (
    typeof path !== 'string' ||
    path.length === 0 ||
    path.length > MAX_PATH_LENGTH ||
    !isAbsolute(path) ||
    path.includes('\0')
  ) {
    throw new AppError('invalid_input', 'only files and folders from this computer can be dropped here');
  }
  let isDirectory: boolean;
  try {
    const stat = statSync(path);
    if (!stat.isDirectory() && !stat.isFile())
      throw new AppError('invalid_input', `${path}: not a file or folder`);
    isDirectory = stat.isDirectory();
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('not_found', `${path}: no such file or folder`);
  }
  if (isDirectory) return path;
  const header = readHeader(path);
  if (header.ok || header.code === 'truncated') return path;
  if (header.code === 'empty_file')
    throw new AppError('empty_file', `${path}: the file is empty (0 bytes), not a database`);
  throw new AppError('not_sqlite', `${path}: not an SQLite database (drop a data folder or a .db file)`);
}
