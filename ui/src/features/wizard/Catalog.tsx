import { useMemo, useState } from 'react';
import type { ConnectorDto } from '../../lib/ipc/bindings.ts';
import { type I18n, useI18n } from '../../lib/i18n.tsx';

/** Other names owners know a tool by (a rename, the vendor, the product line). */
const ALIASES: Record<string, string[]> = {
  adp: ['ADP', 'Workforce Now', 'WFN'],
  bamboohr: ['Bamboo'],
  quickbooks: ['QuickBooks Online', 'QBO', 'Intuit'],
  toggl: ['Toggl Track'],
  zenefits: ['TriNet Zenefits'],
  paychex: ['Paychex Flex'],
  trinet: ['TriNet HR'],
  gusto: ['ZenPayroll'],
};

/** The order categories are listed in; others follow alphabetically. */
const ORDER = [
  'payroll',
  'hris',
  'time_tracking',
  'benefits',
  'background_checks',
  'accounting',
  'chat',
  'e_signature',
  'compliance',
  'custom',
];

/** A field's label inside a sentence: "Client Secret" → "client secret"; "API key" and "ID" stay. */
function lowerFirst(label: string): string {
  return label
    .split(' ')
    .map((w) => (/^[A-Z][a-z]/.test(w) ? w.charAt(0).toLowerCase() + w.slice(1) : w))
    .join(' ');
}

/** How a connector signs in, in plain words (from its manifest's auth and fields). */
export function signInText(c: ConnectorDto, t: I18n['t']): string {
  if (c.auth === 'oauth2') return t('catalog.auth.oauth', { name: c.name });
  const secrets = c.fields.filter((f) => f.kind === 'secret');
  if (secrets.some((f) => f.multiline)) return t('catalog.auth.certificate', { name: c.name });
  const labels = secrets.map((f) => lowerFirst(f.label));
  const what = labels.length === 0 ? t('catalog.auth.key') : labels.join(t('catalog.auth.and'));
  return t('catalog.auth.paste', { what, name: c.name });
}

function matches(c: ConnectorDto, query: string, categoryName: string): boolean {
  const q = query.trim().toLowerCase();
  if (q === '') return true;
  const words = [c.name, c.id, c.category, categoryName, ...(ALIASES[c.id] ?? [])];
  return words.some((w) => w.toLowerCase().includes(q));
}

/**
 * The wizard's first step: every connector the build has (and the owner's own), grouped by
 * category, with a search box (name, category or another name such as "QBO") and a filter per
 * category. Each tile says how the tool signs in.
 */
export function Catalog({ connectors, onPick }: { connectors: ConnectorDto[]; onPick: (c: ConnectorDto) => void }) {
  const { t, category: categoryName } = useI18n();
  const [query, setQuery] = useState('');
  const [only, setOnly] = useState<string | null>(null);
  const categories = useMemo(() => {
    const present = [...new Set(connectors.map((c) => c.category))];
    const rank = (c: string) => (ORDER.includes(c) ? ORDER.indexOf(c) : ORDER.length);
    return present.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  }, [connectors]);
  const groups = categories
    .filter((cat) => only === null || only === cat)
    .map((cat) => ({
      cat,
      items: connectors
        .filter((c) => c.category === cat && matches(c, query, categoryName(cat)))
        .sort((a, b) => a.name.localeCompare(b.name)),
    }))
    .filter((g) => g.items.length > 0);
  return (
    <div className="catalog">
      <label className="catalog-search">
        <span className="visually-hidden">{t('catalog.search')}</span>
        <input
          type="search"
          data-testid="catalog-search"
          placeholder={t('catalog.searchPlaceholder')}
          aria-label={t('catalog.search')}
          value={query}
          onChange={(e) => setQuery(e.currentTarget.value)}
        />
      </label>
      <div className="catalog-kinds" role="group" aria-label={t('wizard.category')}>
        {categories.map((cat) => (
          <button
            key={cat}
            type="button"
            className={only === cat ? 'chip chip-on' : 'chip'}
            aria-pressed={only === cat}
            onClick={() => setOnly(only === cat ? null : cat)}
          >
            {categoryName(cat)}
          </button>
        ))}
      </div>
      {groups.length === 0 ? (
        <p role="status" className="muted">
          {t('catalog.none', { query: query.trim() })}
        </p>
      ) : null}
      {groups.map((g) => (
        <section key={g.cat} className="catalog-group" aria-labelledby={`catalog-${g.cat}`}>
          <h3 id={`catalog-${g.cat}`}>{categoryName(g.cat)}</h3>
          <div className="tiles">
            {g.items.map((c) => (
              <button
                key={c.id}
                type="button"
                className="tile"
                data-testid={`catalog-${c.id}`}
                onClick={() => onPick(c)}
              >
                <span className="tile-title">{c.name}</span>
                <span className="tile-help">{signInText(c, t)}</span>
              </button>
            ))}
          </div>
        </section>
      ))}
    </div>
  );
}
