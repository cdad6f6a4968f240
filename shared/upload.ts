import { z } from 'zod';

// Browser mode has no file dialog: an archive to verify or restore is uploaded instead. The bytes go in the
// body of `POST /upload/archive?name=<file name>` (Content-Type application/octet-stream, the per-run token
// in its header, like every API call), into a tracked temp file in Chat Inspector's own folder. The path in
// the reply may then be given to backup.verify and backup.restore (and nothing else) during this run of the
// server; `DELETE /upload/archive?path=<path>` removes it, and every upload is removed when the server stops.

export const UPLOAD_ARCHIVE_PATH = '/upload/archive';

/** Default largest upload (browser mode): 2 GiB. */
export const DEFAULT_MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024;

export const UploadedArchive = z.object({
  /** The temp file's path: pass it as `archive` to backup.verify / backup.restore. */
  path: z.string(),
  /** The name the file had on the person's computer (for display only). */
  name: z.string(),
  size: z.number().int(),
});
export type UploadedArchive = z.infer<typeof UploadedArchive>;
