import { useCallback, useEffect, useState } from 'react';
import { type AppInfo, describeIpcError, getAppInfo } from './lib/ipc.ts';

type Status =
  | { kind: 'loading' }
  | { kind: 'ready'; info: AppInfo }
  | { kind: 'error'; message: string };

/** Loads `app_info` from the backend; `retry` asks again after a failure. */
function useAppInfo(): { status: Status; retry: () => void } {
  const [status, setStatus] = useState<Status>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let cancelled = false;
    setStatus({ kind: 'loading' });
    getAppInfo().then(
      (info) => {
        if (!cancelled) setStatus({ kind: 'ready', info });
      },
      (error: unknown) => {
        if (!cancelled) setStatus({ kind: 'error', message: describeIpcError(error) });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [attempt]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return { status, retry };
}

function Logo() {
  return (
    <svg className="logo" viewBox="0 0 64 64" aria-hidden="true" focusable="false">
      <rect width="64" height="64" rx="14" className="logo-bg" />
      <path
        d="M14 46 V20 L32 38 L50 20 V46"
        className="logo-mark"
        fill="none"
        strokeWidth="6"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}

function StatusPanel({ status, onRetry }: { status: Status; onRetry: () => void }) {
  switch (status.kind) {
    case 'loading':
      return (
        <p role="status" className="muted">
          Connecting to the app…
        </p>
      );
    case 'ready':
      return (
        <div role="status">
          <dl className="facts">
            <div>
              <dt>Version</dt>
              <dd data-testid="app-version">{status.info.version}</dd>
            </div>
            <div>
              <dt>Backend</dt>
              <dd>
                <span className="dot dot-ok" aria-hidden="true" />
                Ready
              </dd>
            </div>
          </dl>
        </div>
      );
    case 'error':
      return (
        <div role="alert" className="error">
          <p className="error-title">We couldn’t reach the app’s backend.</p>
          <p className="error-detail">{status.message}</p>
          <button type="button" className="button" onClick={onRetry}>
            Try again
          </button>
        </div>
      );
  }
}

/** The welcome and status screen shown at start-up. */
export function App() {
  const { status, retry } = useAppInfo();

  return (
    <div className="shell">
      <header className="brand">
        <Logo />
        <span className="brand-name">Integration Maestro</span>
      </header>

      <main id="main" className="content">
        <section className="hero" aria-labelledby="welcome-heading">
          <h1 id="welcome-heading">
            Integration Maestro<span className="visually-hidden"> — </span>
            <span className="tagline">your HR tools, in step</span>
          </h1>
          <p className="lead">
            Welcome. Integration Maestro keeps your HR and payroll systems in sync, quietly, in
            the background.
          </p>
        </section>

        <section className="card" aria-labelledby="status-heading">
          <h2 id="status-heading">Status</h2>
          <StatusPanel status={status} onRetry={retry} />
        </section>

        <section className="card" aria-labelledby="next-heading">
          <h2 id="next-heading">Connections come next</h2>
          <p>
            Soon you will connect your HR and payroll tools here, choose what to keep in step, and
            set a schedule. Nothing is connected yet, and no data leaves this computer.
          </p>
        </section>
      </main>
    </div>
  );
}
