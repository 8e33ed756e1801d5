import { type FormEvent, type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox.tsx';
import { Field } from '../../components/Field.tsx';
import type { ApiKeyDto, GatewayStatusDto } from '../../lib/ipc/bindings.ts';
import { describeIpcError, errorField } from '../../lib/ipc/errors.ts';
import {
  useApiKeys,
  useCreateApiKey,
  useGatewayStatus,
  useRevokeApiKey,
  useSetGateway,
} from '../../lib/ipc/queries.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { GustoVerification } from './GustoVerification.tsx';

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function isIpv6(text: string): boolean {
  if (!text.includes(':') || !/^[0-9a-fA-F:.]+$/.test(text)) return false;
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  let all = [...groups(halves[0]), ...groups(halves[1])];
  let count = all.length;
  const last = all[all.length - 1];
  if (last?.includes('.')) {
    if (!IPV4.test(last)) return false;
    all = all.slice(0, -1);
    count += 1;
  }
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return halves.length === 2 ? count < 8 : count === 8;
}

/** True for what the gateway accepts in its allowlist: a CIDR network or a single address. */
export function isNetwork(text: string): boolean {
  const [address, prefix, extra] = text.trim().split('/');
  if (extra !== undefined || !address) return false;
  const v4 = IPV4.test(address);
  if (!v4 && !isIpv6(address)) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (v4 ? 32 : 128);
}

function fieldError(error: unknown, field: string) {
  return errorField(error) === field ? describeIpcError(error) : null;
}

function Allowlist({
  entries,
  onChange,
  error,
}: {
  entries: string[];
  onChange: (entries: string[]) => void;
  error: string | null;
}) {
  const { t } = useI18n();
  const [draft, setDraft] = useState('');
  const id = useId();
  const valid = isNetwork(draft);
  const add = () => {
    if (!valid) return;
    const entry = draft.trim();
    if (!entries.includes(entry)) onChange([...entries, entry]);
    setDraft('');
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      add();
    }
  };
  return (
    <fieldset className="choice" aria-describedby={error ? `${id}-err` : undefined}>
      <legend>{t('localApi.allowlist')}</legend>
      {entries.length === 0 ? (
        <p className="help">{t('localApi.allowlistEmpty')}</p>
      ) : (
        <ul className="plain" data-testid="allowlist">
          {entries.map((entry) => (
            <li key={entry} className="actions actions-start">
              <code>{entry}</code>
              <button
                type="button"
                className="button small-button"
                aria-label={t('localApi.remove', { network: entry })}
                onClick={() => onChange(entries.filter((e) => e !== entry))}
              >
                {t('localApi.removeShort')}
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="field">
        <label htmlFor={`${id}-new`}>{t('localApi.newNetwork')}</label>
        <div className="actions actions-start">
          <input
            id={`${id}-new`}
            style={{ maxWidth: '18rem' }}
            value={draft}
            placeholder="192.168.1.0/24"
            spellCheck={false}
            autoComplete="off"
            aria-invalid={draft.trim() !== '' && !valid ? true : undefined}
            aria-describedby={`${id}-msg`}
            data-testid="allowlist-new"
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={onKey}
          />
          <button type="button" className="button" disabled={!valid} onClick={add}>
            {t('localApi.add')}
          </button>
        </div>
        <p id={`${id}-msg`} className={draft.trim() !== '' && !valid ? 'field-error' : 'help'}>
          {draft.trim() === ''
            ? t('localApi.newNetworkHelp')
            : valid
              ? t('localApi.networkOk')
              : t('localApi.networkBad')}
        </p>
      </div>
      {error ? (
        <p id={`${id}-err`} className="field-error">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}

function GatewayForm({ status }: { status: GatewayStatusDto }) {
  const { t } = useI18n();
  const set = useSetGateway();
  const [bind, setBind] = useState(status.bind);
  const [tls, setTls] = useState(status.tls);
  const [allowlist, setAllowlist] = useState(status.allowlist);
  const save = (enabled: boolean) => set.mutate({ enabled, bind, tls, allowlist });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save(status.enabled);
  };
  const tlsError = fieldError(set.error, 'tls');
  const otherError = set.isError && !['bind', 'tls', 'allowlist'].includes(errorField(set.error) ?? '');
  return (
    <>
      <div className="check">
        <input
          id="local-api-enabled"
          type="checkbox"
          role="switch"
          data-testid="local-api-enabled"
          checked={status.enabled}
          disabled={set.isPending}
          onChange={(e) => save(e.target.checked)}
        />
        <label htmlFor="local-api-enabled">{t('localApi.enabled')}</label>
      </div>
      <div role="status" data-testid="local-api-state">
        {status.running && status.url ? (
          <p>
            {t('localApi.listening')} <code data-testid="local-api-url">{status.url}</code>
          </p>
        ) : status.enabled && status.lastError ? null : (
          <p className="muted">{status.enabled ? t('localApi.starting') : t('localApi.off')}</p>
        )}
      </div>
      {status.enabled && !status.running && status.lastError ? (
        <div role="alert" className="error">
          <p className="error-title">{t('localApi.notRunning')}</p>
          <p className="error-detail">{status.lastError}</p>
        </div>
      ) : null}
      {status.running && status.tlsFingerprint ? (
        <div className="field" style={{ marginTop: '0.75rem' }}>
          <p className="small">
            <strong>{t('localApi.fingerprint')}</strong>
          </p>
          <code className="wrap" data-testid="local-api-fingerprint">
            {status.tlsFingerprint}
          </code>
          <p className="help">{t('localApi.fingerprintHelp')}</p>
        </div>
      ) : null}
      <form className="form inline-form" onSubmit={submit} aria-labelledby="local-api-where">
        <h3 id="local-api-where">{t('localApi.where')}</h3>
        <Field
          label={t('localApi.bind')}
          help={t('localApi.bindHelp', { bind: status.defaultBind })}
          value={bind}
          onChange={setBind}
          testId="local-api-bind"
          error={fieldError(set.error, 'bind')}
        />
        <div className="check">
          <input
            id="local-api-tls"
            type="checkbox"
            checked={tls}
            aria-invalid={tlsError ? true : undefined}
            aria-describedby={tlsError ? 'local-api-tls-err' : undefined}
            onChange={(e) => setTls(e.target.checked)}
          />
          <label htmlFor="local-api-tls">{t('localApi.tls')}</label>
          {tlsError ? (
            <p id="local-api-tls-err" className="field-error help">
              {tlsError}
            </p>
          ) : null}
        </div>
        <Allowlist entries={allowlist} onChange={setAllowlist} error={fieldError(set.error, 'allowlist')} />
        <div className="actions actions-start">
          <button type="submit" className="button" disabled={set.isPending} data-testid="local-api-save">
            {set.isPending ? t('common.working') : t('localApi.save')}
          </button>
          {set.isSuccess ? (
            <p role="status" className="small">
              {t('localApi.saved')}
            </p>
          ) : null}
        </div>
        {otherError ? (
          <p role="alert" className="error-detail">
            {describeIpcError(set.error)}
          </p>
        ) : null}
      </form>
    </>
  );
}

function KeyRow({ apiKey }: { apiKey: ApiKeyDto }) {
  const { t, dateTime } = useI18n();
  const revoke = useRevokeApiKey();
  const [confirming, setConfirming] = useState(false);
  const revokeButton = useRef<HTMLButtonElement>(null);
  const cancel = () => {
    setConfirming(false);
    // Focus returns to where it was once the button is back.
    setTimeout(() => revokeButton.current?.focus(), 0);
  };
  return (
    <tr data-testid={`api-key-${apiKey.id}`}>
      <th scope="row">
        {apiKey.name}
        <br />
        <code className="small muted">{apiKey.prefix}…</code>
      </th>
      <td className="wrap">{apiKey.scopes.join(', ')}</td>
      <td>{dateTime(apiKey.createdAt)}</td>
      <td>{apiKey.lastUsedAt ? dateTime(apiKey.lastUsedAt) : t('localApi.keyNever')}</td>
      <td>
        {apiKey.revokedAt ? (
          <span className="badge badge-warn">{t('localApi.keyRevokedAt', { when: dateTime(apiKey.revokedAt) })}</span>
        ) : confirming ? (
          <div role="group" aria-label={t('localApi.revokeName', { name: apiKey.name })}>
            <p className="small">{t('localApi.revokeConfirm', { name: apiKey.name })}</p>
            <div className="actions actions-start">
              <button
                type="button"
                className="button danger small-button"
                disabled={revoke.isPending}
                onClick={() => revoke.mutate(apiKey.id, { onSuccess: () => setConfirming(false) })}
              >
                {t('localApi.revokeYes')}
              </button>
              <button type="button" className="button small-button" autoFocus onClick={cancel}>
                {t('localApi.cancel')}
              </button>
            </div>
          </div>
        ) : (
          <button
            ref={revokeButton}
            type="button"
            className="button small-button"
            aria-label={t('localApi.revokeName', { name: apiKey.name })}
            onClick={() => setConfirming(true)}
          >
            {t('localApi.revoke')}
          </button>
        )}
        {revoke.isError ? (
          <p role="alert" className="error-detail small">
            {describeIpcError(revoke.error)}
          </p>
        ) : null}
      </td>
    </tr>
  );
}

function NewKey({ secret, onDone }: { secret: string; onDone: () => void }) {
  const { t } = useI18n();
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');
  const title = useRef<HTMLParagraphElement>(null);
  useEffect(() => title.current?.focus(), []);
  const copyKey = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopy('copied');
    } catch {
      setCopy('failed');
    }
  };
  return (
    <div className="success stack" style={{ marginTop: '1rem' }} data-testid="new-key-panel">
      <p className="success-title" tabIndex={-1} ref={title}>
        <strong>{t('localApi.newKey')}</strong>
      </p>
      <p className="note">{t('localApi.newKeyOnce')}</p>
      <div className="actions actions-start">
        <code className="wrap" data-testid="new-key">
          {secret}
        </code>
        <button type="button" className="button" onClick={copyKey}>
          {t('localApi.copy')}
        </button>
      </div>
      <p role="status" className="small">
        {copy === 'copied' ? t('localApi.copied') : copy === 'failed' ? t('localApi.copyFailed') : ''}
      </p>
      <div className="actions actions-start">
        <button type="button" className="button primary" onClick={onDone}>
          {t('localApi.newKeyDone')}
        </button>
      </div>
    </div>
  );
}

/**
 * What "receive live events" adds to a key: `events:read` for the socket, and `alerts:read`
 * (the alerts topic needs it) unless the key already reads alerts. Records and sync progress
 * come only for the data the key may read, chosen in the table.
 */
export function eventScopes(access: Record<string, 'read' | 'write' | undefined>): string[] {
  const readsAlerts = access.alerts !== undefined || access['*'] !== undefined;
  return readsAlerts ? ['events:read'] : ['events:read', 'alerts:read'];
}

function CreateKey({ entities }: { entities: string[] }) {
  const { t } = useI18n();
  const create = useCreateApiKey();
  const [name, setName] = useState('');
  const [access, setAccess] = useState<Record<string, 'read' | 'write' | undefined>>({});
  const [events, setEvents] = useState(false);
  const scopes = [
    ...Object.entries(access).flatMap(([entity, a]) => (a ? [`${entity}:${a}`] : [])),
    ...(events ? eventScopes(access) : []),
  ];
  const readsNothing = Object.values(access).every((a) => a === undefined);
  const toggle = (entity: string, which: 'read' | 'write', on: boolean) =>
    setAccess((prev) => ({
      ...prev,
      [entity]: which === 'write' ? (on ? 'write' : 'read') : on ? 'read' : undefined,
    }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      { name, scopes },
      {
        onSuccess: () => {
          setName('');
          setAccess({});
          setEvents(false);
        },
      },
    );
  };
  if (create.isSuccess) {
    return <NewKey secret={create.data.secret} onDone={() => create.reset()} />;
  }
  const rows = ['*', ...entities];
  const scopesError = fieldError(create.error, 'scopes');
  return (
    <form className="form inline-form" onSubmit={submit} aria-labelledby="create-key-title">
      <h3 id="create-key-title">{t('localApi.createTitle')}</h3>
      <Field
        label={t('localApi.name')}
        help={t('localApi.nameHelp')}
        value={name}
        onChange={setName}
        required
        testId="new-key-name"
        error={fieldError(create.error, 'name')}
      />
      <fieldset className="choice" aria-describedby={scopesError ? 'create-key-scopes-err' : undefined}>
        <legend>{t('localApi.scopes')}</legend>
        <div className="table-wrap" style={{ maxHeight: '15rem', overflowY: 'auto' }}>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('localApi.dataType')}</th>
                <th scope="col">{t('localApi.read')}</th>
                <th scope="col">{t('localApi.write')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((entity) => {
                const label = entity === '*' ? t('localApi.allData') : entity.replaceAll('_', ' ');
                const a = access[entity];
                return (
                  <tr key={entity}>
                    <th scope="row">{entity === '*' ? label : <code>{entity}</code>}</th>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={t('localApi.readEntity', { entity: label })}
                        checked={a !== undefined}
                        disabled={a === 'write'}
                        onChange={(e) => toggle(entity, 'read', e.target.checked)}
                      />
                    </td>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={t('localApi.writeEntity', { entity: label })}
                        checked={a === 'write'}
                        onChange={(e) => toggle(entity, 'write', e.target.checked)}
                      />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <div className="check">
          <input
            id="create-key-events"
            type="checkbox"
            checked={events}
            aria-describedby="create-key-events-help"
            onChange={(e) => setEvents(e.target.checked)}
          />
          <label htmlFor="create-key-events">{t('localApi.events')}</label>
          <p id="create-key-events-help" className="help">
            {events && readsNothing ? t('localApi.eventsNoData') : t('localApi.eventsHelp')}
          </p>
        </div>
        {scopesError ? (
          <p id="create-key-scopes-err" className="field-error">
            {scopesError}
          </p>
        ) : scopes.length === 0 ? (
          <p className="help">{t('localApi.noScopes')}</p>
        ) : null}
      </fieldset>
      <div className="actions actions-start">
        <button
          type="submit"
          className="button primary"
          data-testid="create-key"
          disabled={create.isPending || name.trim() === '' || scopes.length === 0}
        >
          {create.isPending ? t('common.working') : t('localApi.create')}
        </button>
      </div>
      {create.isError && !['name', 'scopes'].includes(errorField(create.error) ?? '') ? (
        <p role="alert" className="error-detail">
          {describeIpcError(create.error)}
        </p>
      ) : null}
    </form>
  );
}

function ApiKeys({ entities }: { entities: string[] }) {
  const { t } = useI18n();
  const keys = useApiKeys();
  return (
    <>
      <h3 id="api-keys-title" className="inline-form">
        {t('localApi.keys')}
      </h3>
      {keys.isPending ? (
        <p className="muted">{t('localApi.keysLoading')}</p>
      ) : keys.isError ? (
        <ErrorBox title={t('localApi.keysError')} error={keys.error} />
      ) : keys.data.length === 0 ? (
        <p className="muted">{t('localApi.noKeys')}</p>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-labelledby="api-keys-title" data-testid="api-keys">
            <thead>
              <tr>
                <th scope="col">{t('localApi.keyName')}</th>
                <th scope="col">{t('localApi.keyScopes')}</th>
                <th scope="col">{t('localApi.keyCreated')}</th>
                <th scope="col">{t('localApi.keyLastUsed')}</th>
                <th scope="col">
                  <span className="sr-only">{t('localApi.revoke')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.map((k) => (
                <KeyRow key={k.id} apiKey={k} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <CreateKey entities={entities} />
    </>
  );
}

function Gateway({ status }: { status: ReturnType<typeof useGatewayStatus> }) {
  const { t } = useI18n();
  if (status.isPending) return <p className="muted">{t('localApi.loading')}</p>;
  if (status.isError) return <ErrorBox title={t('localApi.loadError')} error={status.error} />;
  const s = status.data;
  // A new draft whenever the saved settings change (after a save).
  return <GatewayForm key={JSON.stringify([s.bind, s.tls, s.allowlist])} status={s} />;
}

/**
 * Settings → Local API: turn it on, where it listens, TLS fingerprint, allowlist, Gusto webhook
 * verification tokens waiting for the owner, API keys.
 */
export function LocalApi() {
  const { t } = useI18n();
  const status = useGatewayStatus();
  return (
    <section className="card" aria-labelledby="local-api-title" data-testid="settings-local-api">
      <h2 id="local-api-title">{t('localApi.title')}</h2>
      <p className="muted">{t('localApi.intro')}</p>
      <Gateway status={status} />
      <GustoVerification running={status.data?.running ?? false} />
      <ApiKeys entities={status.data?.entities ?? []} />
    </section>
  );
}
