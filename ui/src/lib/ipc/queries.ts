/**
 * Backend state through TanStack Query: one query key per read command, mutations that
 * invalidate what they change, and live sync progress from backend events.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import {
  type AuditQuery,
  type ComplianceSettingsDto,
  type DesktopPref,
  type FileFormat,
  type GatewaySettingsDto,
  type ConnectRequest,
  type ReconnectRequest,
  type SyncProgress,
  type UpdatePrefs,
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
  people: ['people'] as const,
  personHistory: (id: string) => ['person_history', id] as const,
  review: ['review_queue'] as const,
  syncRuns: ['sync_runs'] as const,
  dailyActivity: (days: number) => ['daily_activity', days] as const,
  auditLog: (q: AuditQuery) => ['audit_log', q] as const,
  schedules: ['schedules'] as const,
  desktopPrefs: ['desktop_prefs'] as const,
  gatewayStatus: ['gateway_status'] as const,
  apiKeys: ['api_keys'] as const,
  connectionScope: (id: string) => ['connection_scope', id] as const,
  mappingPreview: (id: string, entity: string) => ['mapping_preview', id, entity] as const,
  routePreview: ['route_preview'] as const,
  checkPackages: ['check_packages'] as const,
  routeChoices: ['route_choices'] as const,
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

/** Adds a connector from a provider file; the connector list refreshes. */
export function useAddConnectorFile() {
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: ({ fileName, text }: { fileName: string; text: string }) =>
      unwrap(commands.addConnectorFile(fileName, text)),
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

export function usePeople() {
  return useQuery({ queryKey: keys.people, queryFn: () => unwrap(commands.people()) });
}

export function usePersonHistory(identityId: string | null) {
  return useQuery({
    queryKey: keys.personHistory(identityId ?? ''),
    queryFn: () => unwrap(commands.personHistory(identityId ?? '')),
    enabled: identityId !== null,
  });
}

export function useConfirmLink() {
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: (recordId: string) => unwrap(commands.confirmLink(recordId)),
    onSettled: invalidate,
  });
}

export function useSplitLink() {
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: (recordId: string) => unwrap(commands.splitLink(recordId)),
    onSettled: invalidate,
  });
}

export function useReview() {
  return useQuery({ queryKey: keys.review, queryFn: () => unwrap(commands.reviewQueue()) });
}

export function useCheckAgain() {
  const invalidate = useInvalidateAll();
  return useMutation({ mutationFn: () => unwrap(commands.checkAgain()), onSettled: invalidate });
}

export function useResolveConflict() {
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: (v: { id: string; keep: string }) => unwrap(commands.resolveConflict(v.id, v.keep)),
    onSettled: invalidate,
  });
}

export function useDecideWrite() {
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: (v: { id: string; approve: boolean }) =>
      unwrap(v.approve ? commands.approveWrite(v.id) : commands.rejectWrite(v.id)),
    onSettled: invalidate,
  });
}

export function useSyncRuns() {
  return useQuery({ queryKey: keys.syncRuns, queryFn: () => unwrap(commands.syncRuns(null)) });
}

export function useDailyActivity(days: number) {
  return useQuery({
    queryKey: keys.dailyActivity(days),
    queryFn: () => unwrap(commands.dailyActivity(days)),
  });
}

export function useAuditLog(query: AuditQuery) {
  return useQuery({ queryKey: keys.auditLog(query), queryFn: () => unwrap(commands.auditLog(query)) });
}

export function useSaveAuditLog() {
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: (v: { query: AuditQuery; format: FileFormat }) => unwrap(commands.saveAuditLog(v.query, v.format)),
    onSettled: invalidate,
  });
}

export function useSchedules() {
  return useQuery({ queryKey: keys.schedules, queryFn: () => unwrap(commands.schedules()) });
}

export function useSetSchedule() {
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: (v: { connectionId: string; minutes: number | null }) =>
      unwrap(commands.setSchedule(v.connectionId, v.minutes)),
    onSettled: invalidate,
  });
}

export function useSetSyncPaused() {
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: (paused: boolean) => unwrap(commands.setSyncPaused(paused)),
    onSettled: invalidate,
  });
}

export function useDesktopPrefs() {
  return useQuery({ queryKey: keys.desktopPrefs, queryFn: () => unwrap(commands.desktopPrefs()) });
}

export function useSetDesktopPref() {
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: (v: { pref: DesktopPref; on: boolean }) => unwrap(commands.setDesktopPref(v.pref, v.on)),
    onSettled: invalidate,
  });
}

export function useLock() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(commands.lock()),
    onSuccess: async () => {
      // Nothing read while unlocked may stay in memory; the unlock screen comes back.
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== keys.appState[0] });
      await client.refetchQueries({ queryKey: keys.appState });
    },
  });
}

export function useChangePassphrase() {
  return useMutation({
    mutationFn: (v: { current: string | null; next: string | null }) =>
      unwrap(commands.changePassphrase(v.current, v.next)),
  });
}

export function useBackup() {
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: (v: { passphrase: string }) => unwrap(commands.backup(v.passphrase)),
    onSettled: invalidate,
  });
}

export function useRestore() {
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: (v: { passphrase: string; newPassphrase: string | null }) =>
      unwrap(commands.restore(v.passphrase, v.newPassphrase)),
    onSettled: invalidate,
  });
}

export function useGatewayStatus() {
  return useQuery({ queryKey: keys.gatewayStatus, queryFn: () => unwrap(commands.gatewayStatus()) });
}

/** Saves the local API settings; the answer is the new status (running or not, last error). */
export function useSetGateway() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (settings: GatewaySettingsDto) => unwrap(commands.setGateway(settings)),
    onSuccess: (status) => client.setQueryData(keys.gatewayStatus, status),
  });
}

export function useApiKeys() {
  return useQuery({ queryKey: keys.apiKeys, queryFn: () => unwrap(commands.apiKeys()) });
}

/** Creates a key; the secret is only in this mutation's result, never in the query cache. */
export function useCreateApiKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (v: { name: string; scopes: string[] }) => unwrap(commands.createApiKey(v.name, v.scopes)),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.apiKeys }),
  });
}

export function useRevokeApiKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(commands.revokeApiKey(id)),
    onSettled: () => client.invalidateQueries({ queryKey: keys.apiKeys }),
  });
}

// The connection wizard's steps after a successful test.

/** What a connection syncs: its entities (on/off) and the routes it takes part in. */
export function useConnectionScope(connectionId: string) {
  return useQuery({
    queryKey: keys.connectionScope(connectionId),
    queryFn: () => unwrap(commands.connectionScope(connectionId)),
  });
}

export function useSetEntityReads(connectionId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (skip: string[]) => unwrap(commands.setEntityReads(connectionId, skip)),
    onSuccess: (scope) => client.setQueryData(keys.connectionScope(connectionId), scope),
  });
}

export function useSetConnectionRoute(connectionId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (v: { route: string; enabled: boolean; useThis: boolean }) =>
      unwrap(commands.setConnectionRoute(connectionId, v.route, v.enabled, v.useThis)),
    onSuccess: (scope) => client.setQueryData(keys.connectionScope(connectionId), scope),
  });
}

/** The background-check provider's packages (read from it now) and the one the route orders. */
export function useCheckPackages(enabled: boolean) {
  return useQuery({
    queryKey: keys.checkPackages,
    queryFn: () => unwrap(commands.checkPackages()),
    enabled,
    staleTime: 60_000,
  });
}

/** Chooses the package new hires' background checks are ordered with. */
export function useSetCheckPackage() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (pkg: string) => unwrap(commands.setCheckPackage(pkg)),
    onSuccess: (choice) => {
      client.setQueryData(keys.checkPackages, choice);
      void client.invalidateQueries({ queryKey: keys.routePreview });
    },
  });
}

/** The first page of an entity, field by field (read from the provider; nothing is stored). */
export function useMappingPreview(connectionId: string, entity: string | null) {
  return useQuery({
    queryKey: keys.mappingPreview(connectionId, entity ?? ''),
    queryFn: () => unwrap(commands.mappingPreview(connectionId, entity ?? '')),
    enabled: entity !== null,
    staleTime: Infinity,
  });
}

export function useSetConnectionSchedule() {
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: (v: { connectionId: string; minutes: number | null; paused: boolean }) =>
      unwrap(commands.setConnectionSchedule(v.connectionId, v.minutes, v.paused)),
    onSettled: invalidate,
  });
}

/** What the routes would write now (a dry run: nothing is queued). */
export function useRoutePreview(enabled: boolean) {
  return useQuery({
    queryKey: keys.routePreview,
    queryFn: () => unwrap(commands.routePreview()),
    enabled,
  });
}

/** Settings → Routes: who plays each part in the routes, and which routes run. */
export function useRouteChoices() {
  return useQuery({ queryKey: keys.routeChoices, queryFn: () => unwrap(commands.routeChoices()) });
}

/** One change to Settings → Routes. */
export type RouteChange =
  | { kind: 'part'; category: string; connectionId: string | null }
  | { kind: 'route'; route: string; enabled: boolean }
  | { kind: 'approval'; approve: boolean }
  | { kind: 'schedule'; schedule: string | null };

/** Applies a change to Settings → Routes; the route preview and the alerts follow it. */
export function useChangeRoutes() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (c: RouteChange) =>
      unwrap(
        c.kind === 'part'
          ? commands.chooseRoutePart(c.category, c.connectionId)
          : c.kind === 'route'
            ? commands.setRouteRunning(c.route, c.enabled)
            : c.kind === 'approval'
              ? commands.setApprovePayChanges(c.approve)
              : commands.setPaySchedule(c.schedule),
      ),
    onSuccess: (choices) => {
      client.setQueryData(keys.routeChoices, choices);
      void client.invalidateQueries({ queryKey: keys.routePreview });
      void client.invalidateQueries({ queryKey: ['connection_scope'] });
      void client.invalidateQueries({ queryKey: keys.alerts });
    },
  });
}

/** Settings → Save diagnostics: the owner chooses where in the save dialog; `null` if cancelled. */
export function useSaveDiagnostics() {
  return useMutation({ mutationFn: () => unwrap(commands.saveDiagnostics()) });
}

/** Logs once that `screen` shows its first data (the footprint script times cold starts by it). */
export function useScreenReady(screen: string, ready: boolean) {
  useEffect(() => {
    if (ready) void commands.screenReady(screen);
  }, [screen, ready]);
}

/** Updates: the version running, the owner's check preferences and any update waiting (re-read
 * every minute, so the app-wide banner appears after an automatic check). */
export function useUpdateStatus() {
  return useQuery({
    queryKey: ['update_status'],
    queryFn: () => commands.updateStatus(),
    refetchInterval: 60_000,
  });
}

/** Saves whether and how often to check for updates. */
export function useSetUpdatePrefs() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (prefs: UpdatePrefs) => unwrap(commands.setUpdatePrefs(prefs)),
    onSuccess: (status) => client.setQueryData(['update_status'], status),
  });
}

/** Asks the update server now. */
export function useCheckForUpdate() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(commands.checkForUpdate()),
    onSuccess: (status) => client.setQueryData(['update_status'], status),
    onError: () => client.invalidateQueries({ queryKey: ['update_status'] }),
  });
}

/** Installs the waiting update; the app restarts into it. */
export function useInstallUpdate() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(commands.installUpdate()),
    onError: () => client.invalidateQueries({ queryKey: ['update_status'] }),
  });
}

/** The compliance calendar (the coming year's dated obligations) and its settings. */
const complianceKey = ['compliance_calendar'] as const;

export function useComplianceCalendar() {
  return useQuery({ queryKey: complianceKey, queryFn: () => unwrap(commands.complianceCalendar()) });
}

/** Marks a calendar item done; its alert resolves, so alerts are read again. */
export function useMarkComplianceDone() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(commands.markComplianceDone(id)),
    onSuccess: (calendar) => {
      client.setQueryData(complianceKey, calendar);
      void client.invalidateQueries({ queryKey: keys.alerts });
    },
  });
}

/** Saves the calendar settings; the calendar comes back recomputed. */
export function useSetComplianceSettings() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (settings: ComplianceSettingsDto) => unwrap(commands.setComplianceSettings(settings)),
    onSuccess: (calendar) => {
      client.setQueryData(complianceKey, calendar);
      void client.invalidateQueries({ queryKey: keys.alerts });
    },
  });
}

/** Saves the calendar as an .ics file where the owner chooses (`null`: cancelled). */
export function useSaveComplianceCalendar() {
  return useMutation({ mutationFn: () => unwrap(commands.saveComplianceCalendar()) });
}

/** People → "Export this person's data" (a save dialog; `null` when cancelled). Audited. */
export function useExportPersonData() {
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: (identityId: string) => unwrap(commands.exportPersonData(identityId)),
    onSettled: invalidate,
  });
}

/** Activity → "Documents for compliance" (a save dialog naming a folder; `null` when cancelled). */
export function useExportComplianceDocuments() {
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: () => unwrap(commands.exportComplianceDocuments()),
    onSettled: invalidate,
  });
}

/** People → "Erase this person" (the name typed again to confirm). */
export function useErasePerson() {
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: (v: { identityId: string; confirmName: string }) =>
      unwrap(commands.erasePerson(v.identityId, v.confirmName)),
    onSettled: invalidate,
  });
}

/** Settings → Data retention: each kind's period after termination. */
export function useRetentionPolicy() {
  return useQuery({ queryKey: ['retention_policy'] as const, queryFn: () => unwrap(commands.retentionPolicy()) });
}

/** Settings → Data retention: one kind's period ("4y", "18m", "never"). */
export function useSetRetention() {
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: (v: { kind: string; period: string }) => unwrap(commands.setRetention(v.kind, v.period)),
    onSettled: invalidate,
  });
}

/** Settings → Data retention: purge now what is past its period. */
export function usePurgeRetention() {
  const invalidate = useInvalidateAll();
  return useMutation({ mutationFn: () => unwrap(commands.purgeRetention()), onSettled: invalidate });
}
