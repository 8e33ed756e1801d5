import { describeIpcError } from '../lib/ipc/errors.ts';

/** A calm, readable error with an optional retry. */
export function ErrorBox({
  title,
  error,
  onRetry,
  retryLabel,
  testId,
}: {
  title: string;
  error: unknown;
  onRetry?: () => void;
  retryLabel?: string;
  testId?: string;
}) {
  return (
    <div role="alert" className="error" data-testid={testId}>
      <p className="error-title">{title}</p>
      <p className="error-detail">{describeIpcError(error)}</p>
      {onRetry ? (
        <button type="button" className="button" onClick={onRetry}>
          {retryLabel}
        </button>
      ) : null}
    </div>
  );
}
