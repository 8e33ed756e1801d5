/**
 * Settings → Local API → Gusto webhook verification: a Gusto verification token that arrived
 * at a connection's webhook address waits here until the owner has verified it with Gusto
 * and confirms it (then it becomes the connection's webhook secret). The list never holds a
 * token; it is fetched only when the owner shows or copies it.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox.tsx';
import { type GustoVerificationDto, type PendingTokenDto, commands } from '../../lib/ipc/bindings.ts';
import { describeIpcError, unwrap } from '../../lib/ipc/errors.ts';
import { useI18n } from '../../lib/i18n.tsx';

/** Query key of the waiting tokens. */
export const gustoTokensKey = ['gusto_webhook_tokens'] as const;

/** How often the list is read again while the screen is open (a token can arrive any time). */
const REFRESH_MS = 10_000;

function TokenRow({
  connection,
  token,
  onConfirmed,
}: {
  connection: GustoVerificationDto;
  token: PendingTokenDto;
  onConfirmed: () => void;
}) {
  const { t, dateTime } = useI18n();
  const client = useQueryClient();
  const [shown, setShown] = useState<string | null>(null);
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');
  const reveal = useMutation({
    mutationFn: () => unwrap(commands.revealGustoWebhookToken(connection.connectionId, token.reference)),
  });
  const confirm = useMutation({
    mutationFn: () => unwrap(commands.confirmGustoWebhookToken(connection.connectionId, token.reference)),
    onSuccess: onConfirmed,
    onSettled: () => client.invalidateQueries({ queryKey: gustoTokensKey }),
  });
  const show = () => reveal.mutate(undefined, { onSuccess: setShown });
  const copyToken = () =>
    reveal.mutate(undefined, {
      onSuccess: async (value) => {
        try {
          await navigator.clipboard.writeText(value);
          setCopy('copied');
        } catch {
          setCopy('failed');
        }
      },
    });
  const arrived = { when: dateTime(token.receivedAt), from: token.from };
  const error = reveal.isError ? reveal.error : confirm.isError ? confirm.error : null;
  return (
    <li className="stack" data-testid={`gusto-token-${token.reference}`}>
      <p className="small">{t('gustoVerify.arrived', arrived)}</p>
      {shown !== null ? (
        <code className="wrap" data-testid="gusto-token-value">
          {shown}
        </code>
      ) : null}
      <div className="actions actions-start">
        <button type="button" className="button small-button" onClick={shown === null ? show : () => setShown(null)}>
          {shown === null ? t('gustoVerify.show') : t('gustoVerify.hide')}
        </button>
        <button type="button" className="button small-button" onClick={copyToken} disabled={reveal.isPending}>
          {t('gustoVerify.copy')}
        </button>
        <button
          type="button"
          className="button primary small-button"
          aria-label={t('gustoVerify.confirmName', arrived)}
          disabled={confirm.isPending}
          onClick={() => confirm.mutate()}
        >
          {confirm.isPending ? t('common.working') : t('gustoVerify.confirm')}
        </button>
      </div>
      <p role="status" className="small">
        {copy === 'copied' ? t('gustoVerify.copied') : copy === 'failed' ? t('gustoVerify.copyFailed') : ''}
      </p>
      {error ? (
        <div role="alert" className="error">
          {confirm.isError ? <p className="error-title">{t('gustoVerify.failed')}</p> : null}
          <p className="error-detail">{describeIpcError(error)}</p>
        </div>
      ) : null}
    </li>
  );
}

function ConnectionTokens({
  connection,
  onConfirmed,
}: {
  connection: GustoVerificationDto;
  onConfirmed: (name: string) => void;
}) {
  const { t } = useI18n();
  return (
    <div className="stack" data-testid={`gusto-verify-${connection.connectionId}`}>
      <p>{t('gustoVerify.intro', { name: connection.connectionName, url: connection.webhookUrl })}</p>
      <ol>
        <li>{t('gustoVerify.step1')}</li>
        <li>{t('gustoVerify.step2')}</li>
        <li>{t('gustoVerify.step3')}</li>
      </ol>
      {connection.tokens.length > 1 ? <p className="note">{t('gustoVerify.several', { count: connection.tokens.length })}</p> : null}
      <ul className="plain">
        {connection.tokens.map((token) => (
          <TokenRow
            key={token.reference}
            connection={connection}
            token={token}
            onConfirmed={() => onConfirmed(connection.connectionName)}
          />
        ))}
      </ul>
    </div>
  );
}

/** Shown while the local API runs and a Gusto verification token waits for the owner. */
export function GustoVerification({ running }: { running: boolean }) {
  const { t } = useI18n();
  const [confirmed, setConfirmed] = useState<string | null>(null);
  const tokens = useQuery({
    queryKey: gustoTokensKey,
    queryFn: () => unwrap(commands.gustoWebhookTokens()),
    enabled: running,
    refetchInterval: REFRESH_MS,
  });
  if (!running) return null;
  const waiting = tokens.data ?? [];
  if (!tokens.isError && waiting.length === 0 && confirmed === null) return null;
  return (
    <section aria-labelledby="gusto-verify-title" className="inline-form" data-testid="gusto-verification">
      <h3 id="gusto-verify-title">{t('gustoVerify.title')}</h3>
      {confirmed !== null ? (
        <p role="status" className="success">
          {t('gustoVerify.confirmed', { name: confirmed })}
        </p>
      ) : null}
      {tokens.isError ? <ErrorBox title={t('gustoVerify.loadError')} error={tokens.error} /> : null}
      {waiting.map((c) => (
        <ConnectionTokens key={c.connectionId} connection={c} onConfirmed={setConfirmed} />
      ))}
    </section>
  );
}
