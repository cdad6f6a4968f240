import { useEffect } from 'react';
import type { FleetRow } from '../../../shared/contract/index.ts';
import type { Health } from '../../../shared/domain.ts';
import { useOp } from '../../api/index.ts';
import { useScan } from './scanStore.ts';

/** The first `limit` chats of a checked health, from the fleet index (kept current while it refreshes). */
export function useChatsWithHealth(
  root: string | null,
  health: Health,
  limit = 100,
): (FleetRow & { health: Health })[] {
  const version = useScan((s) => (s.root === root ? s.version : 0));
  const page = useOp(
    'fleet.page',
    { root: root ?? '', sort: 'chatId', desc: false, filter: { health: [health] }, limit },
    { enabled: root !== null, staleTime: 0 },
  );
  const refetch = page.refetch;
  useEffect(() => {
    if (root && version > 0) void refetch();
  }, [root, version, refetch]);
  return (page.data?.rows ?? []) as (FleetRow & { health: Health })[];
}

/**
 * One chat's row and quick-check findings from the fleet index: the health the list shows, so the chat
 * header agrees with it (null row: not checked yet).
 */
export function useFleetChat(root: string, chatId: string) {
  const version = useScan((s) => (s.root === root ? s.version : 0));
  const chat = useOp('fleet.chat', { root, chatId }, { staleTime: 0 });
  const refetch = chat.refetch;
  useEffect(() => {
    if (version > 0) void refetch();
  }, [version, refetch]);
  return chat.data;
}
