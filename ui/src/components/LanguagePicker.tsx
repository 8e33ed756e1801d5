import { type Locale, LOCALES, useI18n } from '../lib/i18n.tsx';

/** The language menu (English, Español). */
export function LanguagePicker({ className = 'lang' }: { className?: string }) {
  const { t, locale, setLocale } = useI18n();
  return (
    <label className={className}>
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
