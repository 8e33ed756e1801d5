import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { Dashboard } from '../features/dashboard/Dashboard.tsx';
import { FirstRun, StartChoice } from '../features/firstrun/FirstRun.tsx';
import { Wizard } from '../features/wizard/Wizard.tsx';
import { type Locale, I18nProvider, LOCALES, useI18n } from '../lib/i18n.tsx';
import { useAppState, useStatus } from '../lib/ipc/queries.ts';

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

function LanguagePicker() {
  const { t, locale, setLocale } = useI18n();
  return (
    <label className="lang">
      <span>{t('lang.label')}</span>
      <select value={locale} onChange={(e) => setLocale(e.target.value as Locale)}>
        {LOCALES.map((l) => (
          <option key={l.id} value={l.id}>
            {l.name}
          </option>
        ))}
      </select>
    </label>
  );
}

type View = 'home' | 'wizard';

/** Unlocked: the start choice while nothing is connected, else the dashboard; or the wizard. */
function Unlocked() {
  const status = useStatus();
  const [view, setView] = useState<View>('home');
  if (view === 'wizard') {
    return <Wizard onDone={() => setView('home')} onCancel={() => setView('home')} />;
  }
  if (status.isSuccess && status.data.connections.length === 0) {
    return <StartChoice onConnect={() => setView('wizard')} onDemoDone={() => setView('home')} />;
  }
  // Loading and errors of the status are the dashboard's to show.
  return <Dashboard onAddConnection={() => setView('wizard')} />;
}

function Screens() {
  const { t } = useI18n();
  const state = useAppState();
  if (state.isPending) {
    return (
      <p role="status" className="muted">
        {t('app.loading')}
      </p>
    );
  }
  if (state.isError) {
    return (
      <ErrorBox
        title={t('app.backendError')}
        error={state.error}
        onRetry={() => void state.refetch()}
        retryLabel={t('app.retry')}
      />
    );
  }
  return state.data.unlocked ? <Unlocked /> : <FirstRun state={state.data} />;
}

/** The whole app, given a query client (tests pass a fresh one each). */
export function App({ client, locale }: { client?: QueryClient; locale?: Locale }) {
  const [queryClient] = useState(
    () =>
      client ??
      new QueryClient({ defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false } } }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <I18nProvider {...(locale ? { initial: locale } : {})}>
        <Shell />
      </I18nProvider>
    </QueryClientProvider>
  );
}

function Shell() {
  const { t } = useI18n();
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="brand">
        <Logo />
        <span className="brand-name">{t('app.name')}</span>
        <span className="tagline">{t('app.tagline')}</span>
        <LanguagePicker />
      </header>
      <main id="main" className="content">
        <Screens />
      </main>
    </div>
  );
}
