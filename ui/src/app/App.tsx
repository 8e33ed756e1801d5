import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { Activity } from '../features/activity/Activity.tsx';
import { Dashboard } from '../features/dashboard/Dashboard.tsx';
import { FirstRun, StartChoice } from '../features/firstrun/FirstRun.tsx';
import { People } from '../features/people/People.tsx';
import { Review } from '../features/review/Review.tsx';
import { Settings } from '../features/settings/Settings.tsx';
import { Wizard } from '../features/wizard/Wizard.tsx';
import { LanguagePicker } from '../components/LanguagePicker.tsx';
import { UpdateBanner } from '../components/UpdateBanner.tsx';
import { type Locale, I18nProvider, type MessageKey, useI18n } from '../lib/i18n.tsx';
import { useAppState, useReview, useStatus } from '../lib/ipc/queries.ts';
import { type Navigate, type Screen, SCREENS } from './navigation.ts';

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

const NAV_LABELS: Record<Screen, MessageKey> = {
  dashboard: 'nav.dashboard',
  people: 'nav.people',
  review: 'nav.review',
  activity: 'nav.activity',
  settings: 'nav.settings',
};

/** The main navigation: one button per screen, the current one marked for assistive tech. */
function Nav({ current, onGo }: { current: Screen | 'wizard'; onGo: Navigate }) {
  const { t, number } = useI18n();
  const review = useReview();
  const waiting = review.data ? review.data.conflicts.length + review.data.pendingWrites.length : 0;
  return (
    <nav className="nav" aria-label={t('nav.label')}>
      <ul>
        {SCREENS.map((screen) => (
          <li key={screen}>
            <button
              type="button"
              className="nav-item"
              data-testid={`nav-${screen}`}
              aria-current={current === screen ? 'page' : undefined}
              onClick={() => onGo(screen)}
            >
              {t(NAV_LABELS[screen])}
              {screen === 'review' && waiting > 0 ? (
                <span className="nav-count" aria-label={t('nav.waiting', { count: number(waiting) })}>
                  {number(waiting)}
                </span>
              ) : null}
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** Unlocked: the start choice while nothing is connected, else the screens; or the wizard. */
function Unlocked() {
  const status = useStatus();
  const [view, setView] = useState<Screen | 'wizard'>('dashboard');
  const [personRecord, setPersonRecord] = useState<string | null>(null);
  const go: Navigate = (screen, options) => {
    setPersonRecord(options?.personRecord ?? null);
    setView(screen);
    // Move focus to the new screen's heading for keyboard and screen-reader users.
    requestAnimationFrame(() => document.querySelector<HTMLElement>('main h1')?.focus());
  };
  if (view === 'wizard') {
    return <Wizard onDone={() => setView('dashboard')} onCancel={() => setView('dashboard')} />;
  }
  if (status.isSuccess && status.data.connections.length === 0 && view === 'dashboard') {
    return (
      <>
        <Nav current={view} onGo={go} />
        <StartChoice onConnect={() => setView('wizard')} onDemoDone={() => setView('dashboard')} />
      </>
    );
  }
  return (
    <>
      <Nav current={view} onGo={go} />
      {view === 'dashboard' ? (
        // Loading and errors of the status are the dashboard's to show.
        <Dashboard onAddConnection={() => setView('wizard')} onNavigate={go} />
      ) : null}
      {view === 'people' ? (
        <People personRecord={personRecord} onClearFilter={() => setPersonRecord(null)} />
      ) : null}
      {view === 'review' ? <Review /> : null}
      {view === 'activity' ? <Activity /> : null}
      {view === 'settings' ? <Settings /> : null}
    </>
  );
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
        {t('app.skip')}
      </a>
      <header className="brand">
        <Logo />
        <span className="brand-name">{t('app.name')}</span>
        <span className="tagline">{t('app.tagline')}</span>
        <LanguagePicker />
      </header>
      <main id="main" className="content">
        <UpdateBanner />
        <Screens />
      </main>
    </div>
  );
}
