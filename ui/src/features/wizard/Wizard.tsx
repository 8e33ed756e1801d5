import { type FormEvent, useEffect, useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox.tsx';
import { Field } from '../../components/Field.tsx';
import { SyncProgressList } from '../../components/SyncProgressList.tsx';
import {
  type ConnectResult,
  type ConnectorDto,
  type FieldProblemDto,
  commands,
} from '../../lib/ipc/bindings.ts';
import { describeIpcError, errorField, unwrap } from '../../lib/ipc/errors.ts';
import {
  useAddConnectorFile,
  useAppState,
  useConnect,
  useConnectors,
  useSyncNow,
  useSyncProgress,
} from '../../lib/ipc/queries.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { Catalog } from './Catalog.tsx';
import { RoutePreview } from './RoutePreview.tsx';
import { ScheduleStep } from './ScheduleStep.tsx';
import { WhatSyncs } from './WhatSyncs.tsx';
import './wizard.css';

type Values = Record<string, string>;

/** Asks the backend to check the fields as the owner types (debounced). */
function useFieldProblems(provider: string, values: Values): FieldProblemDto[] {
  const [problems, setProblems] = useState<FieldProblemDto[]>([]);
  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      unwrap(commands.validateConnectionFields(provider, values)).then(
        (p) => {
          if (current) setProblems(p);
        },
        () => {
          if (current) setProblems([]);
        },
      );
    }, 150);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [provider, values]);
  return problems;
}

function Details({
  connector,
  onConnected,
  onBack,
}: {
  connector: ConnectorDto;
  onConnected: (r: ConnectResult) => void;
  onBack: () => void;
}) {
  const { t } = useI18n();
  const connect = useConnect();
  const [values, setValues] = useState<Values>(() =>
    Object.fromEntries(
      connector.fields.flatMap((f) => (f.default ? [[f.key, f.default] as const] : [])),
    ),
  );
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const [baseUrl, setBaseUrl] = useState('');
  const [advancedOpen, setAdvancedOpen] = useState(false);
  const [syncSensitive, setSyncSensitive] = useState(false);
  const [sandboxNote, setSandboxNote] = useState<string | null>(null);
  const appState = useAppState();
  const demoRunning = appState.data?.demoRunning ?? false;
  const problems = useFieldProblems(connector.id, values);
  const oauth = connector.auth === 'oauth2';
  const problemFor = (key: string) =>
    touched[key] ? (problems.find((p) => p.field === key)?.message ?? null) : null;
  const serverField = errorField(connect.error);
  const ready = problems.length === 0 && (!oauth || clientId.trim() !== '');

  const useSandbox = () => {
    unwrap(commands.sandboxCredentials(connector.id)).then(
      (fill) => {
        if (!fill) {
          setSandboxNote(t('wizard.sandboxOff'));
          return;
        }
        setValues((prev) => ({ ...prev, ...fill.values }));
        setTouched(Object.fromEntries(connector.fields.map((f) => [f.key, true])));
        setBaseUrl(fill.baseUrl);
        setAdvancedOpen(true);
        setSandboxNote(t('wizard.sandboxFilled'));
      },
      (err: unknown) => setSandboxNote(describeIpcError(err)),
    );
  };

  // A certificate or key (PEM) is read from the file chosen in the system's dialog.
  const [fileError, setFileError] = useState<{ field: string; message: string } | null>(null);
  const chooseFile = (key: string) => {
    setFileError(null);
    unwrap(commands.choosePemFile(key)).then(
      (text) => {
        if (text === null) return;
        setValues((prev) => ({ ...prev, [key]: text }));
        setTouched((prev) => ({ ...prev, [key]: true }));
      },
      (err: unknown) => setFileError({ field: key, message: describeIpcError(err) }),
    );
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(Object.fromEntries(connector.fields.map((f) => [f.key, true])));
    if (!ready) return;
    connect.mutate(
      {
        provider: connector.id,
        displayName: null,
        values,
        baseUrl: baseUrl.trim() === '' ? null : baseUrl.trim(),
        oauthClientId: oauth ? clientId.trim() : null,
        oauthClientSecret: oauth && clientSecret !== '' ? clientSecret : null,
        syncSensitive,
      },
      { onSuccess: onConnected },
    );
  };

  return (
    <form className="form" onSubmit={submit} aria-labelledby="details-title" noValidate>
      <h3 id="details-title">{t('wizard.details', { name: connector.name })}</h3>
      {demoRunning && !oauth ? (
        <div className="sandbox-fill">
          <button type="button" className="button" data-testid="wizard-use-sandbox" onClick={useSandbox}>
            {t('wizard.useSandbox')}
          </button>
          {sandboxNote ? (
            <p role="status" className="muted small">
              {sandboxNote}
            </p>
          ) : null}
        </div>
      ) : null}
      {connector.fields.map((f, i) => (
        <div key={f.key} className="field-with-file">
        <Field
          name={f.key}
          testId={`field-${f.key}`}
          label={f.label}
          help={f.help}
          required={f.required}
          type={f.kind === 'secret' ? 'password' : f.kind === 'url' ? 'url' : 'text'}
          multiline={f.multiline}
          placeholder={f.example ?? undefined}
          value={values[f.key] ?? ''}
          autoFocus={i === 0}
          onChange={(v) => {
            setValues((prev) => ({ ...prev, [f.key]: v }));
            setTouched((prev) => ({ ...prev, [f.key]: true }));
          }}
          onBlur={() => setTouched((prev) => ({ ...prev, [f.key]: true }))}
          error={
            problemFor(f.key) ??
            (serverField === f.key ? describeIpcError(connect.error) : null) ??
            (fileError?.field === f.key ? fileError.message : null)
          }
        />
        {f.kind === 'secret' && f.multiline ? (
          <button
            type="button"
            className="button"
            data-testid={`choose-${f.key}`}
            onClick={() => chooseFile(f.key)}
          >
            {t('wizard.chooseFile')}
          </button>
        ) : null}
        </div>
      ))}
      {oauth ? (
        <>
          <p className="note">{t('wizard.oauthHint', { name: connector.name })}</p>
          <Field
            label={t('wizard.oauthClientId')}
            help={t('wizard.oauthClientIdHelp', { name: connector.name })}
            value={clientId}
            onChange={setClientId}
            testId="field-oauth_client_id"
            required
          />
          <Field
            label={t('wizard.oauthClientSecret')}
            help={t('wizard.oauthClientSecretHelp')}
            type="password"
            value={clientSecret}
            onChange={setClientSecret}
            testId="field-oauth_client_secret"
          />
        </>
      ) : null}
      <div className="check">
        <input
          id="sync-sensitive"
          type="checkbox"
          data-testid="field-sync_sensitive"
          checked={syncSensitive}
          aria-describedby="sync-sensitive-help"
          onChange={(e) => setSyncSensitive(e.target.checked)}
        />
        <label htmlFor="sync-sensitive">{t('wizard.sensitive')}</label>
        <p id="sync-sensitive-help" className="help">
          {t('wizard.sensitiveHelp')}
        </p>
      </div>
      <details
        className="advanced"
        open={advancedOpen}
        onToggle={(e) => setAdvancedOpen((e.target as HTMLDetailsElement).open)}
      >
        <summary>{t('wizard.baseUrl')}</summary>
        <Field
          label={t('wizard.baseUrl')}
          help={t('wizard.baseUrlHelp')}
          type="url"
          testId="field-base_url"
          value={baseUrl}
          onChange={setBaseUrl}
          error={serverField === 'baseUrl' ? describeIpcError(connect.error) : null}
        />
      </details>
      {connect.isPending ? (
        <p role="status" className="muted">
          {t('wizard.testing')}
        </p>
      ) : null}
      {connect.isError && serverField === null ? (
        <div role="alert" className="error">
          <p className="error-title">{t('wizard.failure', { message: describeIpcError(connect.error) })}</p>
        </div>
      ) : null}
      <div className="actions">
        <button type="button" className="button" onClick={onBack}>
          {t('wizard.back')}
        </button>
        <button
          type="submit"
          className="button primary"
          data-testid="wizard-test"
          disabled={connect.isPending || !ready}
        >
          {t('wizard.test')}
        </button>
      </div>
    </form>
  );
}

function FirstSync({ result, onDone }: { result: ConnectResult; onDone: () => void }) {
  const { t, number } = useI18n();
  const sync = useSyncNow();
  const runs = useSyncProgress(sync.isPending);
  const total =
    sync.data?.flatMap((o) => o.entities).reduce((n, e) => n + e.created + e.updated, 0) ?? 0;
  return (
    <div className="form">
      <h3>{t('wizard.firstSyncTitle', { name: result.displayName })}</h3>
      {sync.isSuccess ? (
        <p role="status">
          {total > 0
            ? t('wizard.synced', { count: number(total) })
            : t('wizard.syncedNothing', { name: result.displayName })}
        </p>
      ) : null}
      <SyncProgressList runs={runs} />
      {sync.isError ? <ErrorBox title={t('wizard.sync')} error={sync.error} /> : null}
      {sync.isSuccess ? <RoutePreview /> : null}
      <div className="actions">
        {sync.isSuccess ? null : (
          <button
            type="button"
            className="button primary"
            data-testid="wizard-connect"
            disabled={sync.isPending}
            onClick={() => sync.mutate(result.connectionId)}
            autoFocus
          >
            {sync.isPending ? t('wizard.syncing') : t('wizard.sync')}
          </button>
        )}
        <button type="button" className={sync.isSuccess ? 'button primary' : 'button'} onClick={onDone}>
          {t('wizard.done')}
        </button>
      </div>
    </div>
  );
}

/**
 * "Your own tool": adds a connector from a provider file the owner picks; a malformed file is
 * refused with the line and field at fault, a good one opens in the wizard like any other.
 */
function OwnTool({ onAdded }: { onAdded: (c: ConnectorDto) => void }) {
  const { t } = useI18n();
  const add = useAddConnectorFile();
  const pick = (files: FileList | null) => {
    const file = files?.[0];
    if (!file) return;
    file.text().then((text) => add.mutate({ fileName: file.name, text }, { onSuccess: onAdded }));
  };
  return (
    <section className="own-tool" aria-labelledby="own-tool-title">
      <h3 id="own-tool-title">{t('wizard.ownTitle')}</h3>
      <p className="muted">{t('wizard.ownHelp')}</p>
      <label className="button">
        {t('wizard.ownPick')}
        <input
          type="file"
          accept=".toml,text/plain"
          data-testid="wizard-own-file"
          className="visually-hidden"
          onChange={(e) => pick(e.currentTarget.files)}
        />
      </label>
      {add.isSuccess ? (
        <p role="status" className="note">
          {t('wizard.ownAdded', { name: add.data.name })}
        </p>
      ) : null}
      {add.isError ? <ErrorBox title={t('wizard.ownPick')} error={add.error} /> : null}
    </section>
  );
}

/** Steps after the test, in order. */
type After = 'scope' | 'schedule' | 'sync';

/**
 * The connection wizard: the catalog (search, or filter by kind) → sign-in details and test → what syncs (entities,
 * routes, field mapping) → schedule → first sync with a preview of what the routes would write.
 */
export function Wizard({ onDone, onCancel }: { onDone: () => void; onCancel: () => void }) {
  const { t } = useI18n();
  const connectors = useConnectors();
  const [provider, setProvider] = useState<ConnectorDto | null>(null);
  const [connected, setConnected] = useState<ConnectResult | null>(null);
  const [after, setAfter] = useState<After>('scope');
  const step = connected ? { scope: 3, schedule: 4, sync: 5 }[after] : provider ? 2 : 1;

  return (
    <section className={step === 3 ? 'card wizard wizard-wide' : 'card wizard'} aria-labelledby="wizard-title">
      <header className="wizard-head">
        <h2 id="wizard-title">{t('wizard.title')}</h2>
        <span className="muted">{t('wizard.step', { n: step, total: 5 })}</span>
      </header>
      {connectors.isPending ? <p role="status" className="muted">{t('app.loading')}</p> : null}
      {connectors.isError ? <ErrorBox title={t('wizard.title')} error={connectors.error} /> : null}
      {step === 1 && connectors.data ? <Catalog connectors={connectors.data} onPick={setProvider} /> : null}
      {step === 1 && connectors.data ? <OwnTool onAdded={setProvider} /> : null}
      {step === 2 && provider ? (
        <Details connector={provider} onConnected={setConnected} onBack={() => setProvider(null)} />
      ) : null}
      {step === 3 && connected && provider ? (
        <WhatSyncs result={connected} category={provider.category} onNext={() => setAfter('schedule')} />
      ) : null}
      {step === 4 && connected ? <ScheduleStep result={connected} onNext={() => setAfter('sync')} /> : null}
      {step === 5 && connected ? <FirstSync result={connected} onDone={onDone} /> : null}
      {step === 1 ? (
        <div className="actions">
          <button type="button" className="button" onClick={onCancel}>
            {t('wizard.cancel')}
          </button>
        </div>
      ) : null}
    </section>
  );
}
