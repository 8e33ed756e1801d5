/**
 * Backend state through TanStack Query: one query key per read command, mutations that
 * invalidate what they change, and live sync progress from backend events.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import {
  type ConnectRequest,
  type ReconnectRequest,
  type SyncProgress,
  commands,
  events,
} from './bindings.ts';
import { unwrap } from './errors.ts';

/** Query keys, named after the commands that fill them. */
export const keys = {
  appState: ['app_state'] as const,
  status: ['status'] as const,
  alerts: ['alerts'] as const,
  connectors: ['connectors'] as const,
};

export function useAppState() {
  return useQuery({ queryKey: keys.appState, queryFn: () => unwrap(commands.appState()) });
}

export function useStatus(enabled = true) {
  return useQuery({ queryKey: keys.status, queryFn: () => unwrap(commands.status()), enabled });
}

export function useAlerts() {
  return useQuery({ queryKey: keys.alerts, queryFn: () => unwrap(commands.alerts()) });
}

export function useConnectors() {
  return useQuery({
    queryKey: keys.connectors,
    queryFn: () => commands.connectors(),
    staleTime: Infinity,
  });
}

/** After anything that changes the store, the dashboard and alerts refresh. */
function useInvalidateAll() {
  const client = useQueryClient();
  return () => client.invalidateQueries();
}

export function useCreateStore() {
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: (v: { company: string; passphrase: string | null }) =>
      unwrap(commands.createStore(v.company, v.passphrase)),
    onSuccess: invalidate,
  });
}

export function useUnlock() {
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: (passphrase: string | null) => unwrap(commands.unlock(passphrase)),
    onSuccess: invalidate,
  });
}

export function useConnect() {
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: (request: ConnectRequest) => unwrap(commands.connect(request)),
    onSuccess: invalidate,
  });
}

export function useReconnect() {
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: (request: ReconnectRequest) => unwrap(commands.reconnect(request)),
    onSettled: invalidate,
  });
}

export function useSyncNow() {
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: (connection: string | null) => unwrap(commands.syncNow(connection)),
    onSettled: invalidate,
  });
}

export function useStartDemo() {
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: () => unwrap(commands.startDemo()),
    onSettled: invalidate,
  });
}

/** Latest progress per run, newest runs last, while `active` (empty otherwise). */
export function useSyncProgress(active: boolean): SyncProgress[] {
  const [runs, setRuns] = useState<Map<string, SyncProgress>>(new Map());
  useEffect(() => {
    if (!active) return;
    setRuns(new Map());
    let stop: (() => void) | undefined;
    let cancelled = false;
    events.syncProgress
      .listen((event) => {
        setRuns((prev) => new Map(prev).set(event.payload.runId, event.payload));
      })
      .then(
        (unlisten) => {
          if (cancelled) unlisten();
          else stop = unlisten;
        },
        () => {
          // Without an event channel (tests, a browser preview) there is just no live view.
        },
      );
    return () => {
      cancelled = true;
      stop?.();
    };
  }, [active]);
  return active ? [...runs.values()] : [];
}
