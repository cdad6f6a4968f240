import { QueryClient, useQuery, type UseQueryOptions } from '@tanstack/react-query';
import type { InputOf, OutputOf, QueryName } from '../../shared/contract/index.ts';
import type { AppError } from '../../shared/errors.ts';
import { call } from './client.ts';

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Data roots change slowly and every read costs disk work: no background refetch storms.
      staleTime: 60_000,
      refetchOnWindowFocus: false,
      // A damaged file fails the same way every time; a retry only delays the explanation.
      retry: false,
    },
  },
});

export function opKey<K extends QueryName>(name: K, input: InputOf<K>): readonly [K, InputOf<K>] {
  return [name, input] as const;
}

type Options<K extends QueryName> = Omit<UseQueryOptions<OutputOf<K>, AppError>, 'queryKey' | 'queryFn'>;

/** React Query over one contract query: typed input, output and AppError. */
export function useOp<K extends QueryName>(name: K, input: InputOf<K>, options: Options<K> = {}) {
  return useQuery<OutputOf<K>, AppError>({
    queryKey: opKey(name, input),
    queryFn: () => call(name, input),
    ...options,
  });
}
