import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, api } from '../api/client';
import { useTopicVersion } from '../live';

export interface ApiState<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * Runs `load` for `key` (null: nothing yet) and again whenever one of `topics` changes on
 * the server. The last data stays on screen while a reload runs.
 */
export function useAsync<T>(
  key: string | null,
  load: () => Promise<T>,
  topics: readonly string[],
): ApiState<T> {
  const version = useTopicVersion(topics);
  const [nonce, setNonce] = useState(0);
  const [state, setState] = useState<{ key: string | null; data?: T; error?: ApiError; loading: boolean }>({
    key,
    loading: key !== null,
  });
  const loader = useRef(load);
  loader.current = load;

  // biome-ignore lint/correctness/useExhaustiveDependencies: version and nonce only trigger reloads
  useEffect(() => {
    if (key === null) return;
    let current = true;
    setState((s) => (s.key === key ? { ...s, loading: true } : { key, loading: true }));
    loader.current().then(
      (data) => current && setState({ key, data, loading: false }),
      (err: unknown) =>
        current &&
        setState((s) => ({
          key,
          ...(s.key === key && s.data !== undefined ? { data: s.data } : {}),
          loading: false,
          error: err instanceof ApiError ? err : new ApiError(0, String(err)),
        })),
    );
    return () => {
      current = false;
    };
  }, [key, version, nonce]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  const same = state.key === key;
  return {
    data: same ? state.data : undefined,
    error: same ? state.error : undefined,
    loading: key !== null && (!same || state.loading),
    reload,
  };
}

/** GETs `path` (null: nothing yet), again whenever one of `topics` changes. */
export function useApi<T>(path: string | null, topics: readonly string[] = []): ApiState<T> {
  return useAsync<T>(path, () => api<T>('GET', path!), topics);
}
