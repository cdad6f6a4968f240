import { z } from 'zod';

/** Stable error codes every transport carries unchanged (IPC, HTTP, CLI exit messages). */
export const ErrorCode = z.enum([
  'invalid_input',
  'unknown_operation',
  'forbidden_path',
  'not_found',
  'not_sqlite',
  'empty_file',
  'truncated',
  'corrupt',
  'locked',
  'not_a_file',
  'malformed_json',
  'conflict',
  'hostile_archive',
  'cancelled',
  /** A request ran past its deadline (a file that never answers): it was stopped, the rest went on. */
  'timeout',
  'unauthorized',
  'internal',
  // Server sources (PostgreSQL, MySQL): what went wrong talking to the server.
  'unreachable',
  'permission_denied',
  'connection_lost',
  'read_only',
  /** The access log (who viewed a person's history) could not be written: the view was refused. */
  'access_log_unwritable',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const AppErrorShape = z.object({ code: ErrorCode, message: z.string() });
export type AppErrorShape = z.infer<typeof AppErrorShape>;

/** The one error type that crosses process boundaries: a code and one sentence for a person. */
export class AppError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'AppError';
    this.code = code;
  }
  toShape(): AppErrorShape {
    return { code: this.code, message: this.message };
  }
  static from(shape: AppErrorShape): AppError {
    return new AppError(shape.code, shape.message);
  }
}

/** The words of any thrown value: an Error's message, anything else as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A thrown value as the one error type that crosses boundaries: an AppError as it is, anything else (a bug,
 * a driver's or the OS's error) as `fallback` with its message.
 */
export function asAppError(error: unknown, fallback: ErrorCode = 'internal'): AppError {
  return error instanceof AppError ? error : new AppError(fallback, errorMessage(error));
}
