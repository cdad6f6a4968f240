import { Place } from '../../shared/contract/browse.ts';
import { AppError } from '../../shared/errors.ts';
import type { Reply } from '../../shared/transport.ts';
import { call, getBridge, queryClient, useOp } from '../api/index.ts';
import { navigate } from './nav.ts';

export function usePlaces() {
  return useOp('places.list', {}, { staleTime: Infinity });
}

/** The current place, as the server/main process knows it. */
export function useCurrentPlace(): Place | null {
  return usePlaces().data?.current ?? null;
}

/** The current data root path, or null when a single file (or nothing) is open. */
export function useCurrentRoot(): string | null {
  const place = useCurrentPlace();
  return place?.kind === 'root' ? place.path : null;
}

async function afterChange(place: Place) {
  // Everything read so far belongs to the previous place.
  await queryClient.invalidateQueries();
  if (place.kind === 'root') navigate('chats');
  else navigate('files', { path: place.path });
}

/** The current place changed outside the page (desktop menu: recent item, second start): follow it. */
export async function followCurrentPlace(): Promise<void> {
  const { current } = await call('places.list', {});
  if (current) await afterChange(current);
  else await queryClient.invalidateQueries();
}

export async function selectPlace(path: string): Promise<Place> {
  const { current } = await call('places.select', { path });
  await afterChange(current);
  return current;
}

/** A bridge reply carrying the newly allowed place: `{current}` or a Place; null when cancelled. */
function placeFromReply(reply: Reply): Place | null {
  if (!reply.ok) throw AppError.from(reply.error);
  const value = reply.value as { current?: unknown } | null;
  if (value === null || value === undefined) return null;
  const candidate = typeof value === 'object' && 'current' in value ? value.current : value;
  if (candidate === null || candidate === undefined) return null;
  const parsed = Place.safeParse(candidate);
  if (!parsed.success) throw new AppError('internal', 'The app answered with an unexpected place.');
  return parsed.data;
}

/** Desktop only: the native dialog. Returns null when the person cancelled. */
export async function pickPlace(kind: 'root' | 'file'): Promise<Place | null> {
  const bridge = getBridge();
  if (!bridge) throw new AppError('invalid_input', 'The file dialog needs the desktop app.');
  const place = placeFromReply(await bridge.pickPlace(kind));
  if (place) await afterChange(place);
  return place;
}

/** Desktop only: a dropped folder or file. */
export async function openDropped(file: File): Promise<Place | null> {
  const bridge = getBridge();
  if (!bridge) throw new AppError('invalid_input', 'Dropping needs the desktop app.');
  const place = placeFromReply(await bridge.openDropped(file));
  if (place) await afterChange(place);
  return place;
}
