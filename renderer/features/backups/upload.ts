import { AppError } from '../../../shared/errors.ts';
import { Reply, TOKEN_HEADER } from '../../../shared/transport.ts';
import { UPLOAD_ARCHIVE_PATH, UploadedArchive } from '../../../shared/upload.ts';
import { currentToken } from '../../api/transport.ts';
import { createStore, useStore } from '../../app/store.ts';

// Browser mode has no file dialog: an archive on the person's computer is uploaded to the server (a temp
// file in Chat Inspector's own folder, main/server/upload.ts) and verified or restored by the path the
// server gives back. One upload is kept at a time: choosing another, removing it or restoring from it
// removes it from the server; the server removes every upload when it stops.

export type UploadState =
  | { status: 'idle' }
  | { status: 'uploading'; name: string; done: number; total: number }
  | { status: 'ready'; archive: UploadedArchive }
  | { status: 'failed'; name: string; error: AppError };

const store = createStore<UploadState>({ status: 'idle' });
let current: XMLHttpRequest | null = null;

export function useUpload(): UploadState {
  return useStore(store);
}

/** The upload state now (outside React). */
export function uploadState(): UploadState {
  return store.get();
}

function headers(xhr: XMLHttpRequest): void {
  const token = currentToken();
  if (token) xhr.setRequestHeader(TOKEN_HEADER, token);
}

/** Removes the uploaded archive from the server (quietly: it goes when the server stops anyway). */
export function discardUpload(): void {
  current?.abort();
  current = null;
  const state = store.get();
  store.set({ status: 'idle' });
  if (state.status !== 'ready') return;
  const xhr = new XMLHttpRequest();
  xhr.open('DELETE', `${UPLOAD_ARCHIVE_PATH}?path=${encodeURIComponent(state.archive.path)}`);
  headers(xhr);
  xhr.send();
}

function errorOf(xhr: XMLHttpRequest): AppError {
  try {
    const reply = Reply.parse(JSON.parse(xhr.responseText));
    if (!reply.ok) return AppError.from(reply.error);
  } catch {
    // not a JSON reply (a refusal before the route: wrong token, other origin)
  }
  if (xhr.status === 401 || xhr.status === 403)
    return new AppError(
      'unauthorized',
      'This page is not authorised: open the address printed by "chat-inspector serve".',
    );
  if (xhr.status === 0)
    return new AppError('internal', 'The Chat Inspector server cannot be reached. Is it still running?');
  return new AppError('internal', `The server answered ${xhr.status} without a readable reply.`);
}

/** Uploads one file (replacing any earlier upload); progress and the outcome go to the store. */
export function uploadArchive(file: File): Promise<UploadedArchive | null> {
  discardUpload();
  store.set({ status: 'uploading', name: file.name, done: 0, total: file.size });
  const xhr = new XMLHttpRequest();
  current = xhr;
  return new Promise((resolve) => {
    xhr.open('POST', `${UPLOAD_ARCHIVE_PATH}?name=${encodeURIComponent(file.name)}`);
    headers(xhr);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.upload.onprogress = (event) => {
      if (current === xhr)
        store.set({ status: 'uploading', name: file.name, done: event.loaded, total: file.size });
    };
    xhr.onload = () => {
      if (current !== xhr) return resolve(null);
      current = null;
      if (xhr.status === 200) {
        try {
          const reply = Reply.parse(JSON.parse(xhr.responseText));
          if (reply.ok) {
            const archive = UploadedArchive.parse(reply.value);
            store.set({ status: 'ready', archive });
            return resolve(archive);
          }
        } catch {
          // fall through to the error
        }
      }
      store.set({ status: 'failed', name: file.name, error: errorOf(xhr) });
      resolve(null);
    };
    xhr.onerror = () => {
      if (current === xhr) {
        current = null;
        store.set({ status: 'failed', name: file.name, error: errorOf(xhr) });
      }
      resolve(null);
    };
    xhr.onabort = () => resolve(null);
    xhr.send(file);
  });
}
