import { useEffect, useRef, useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox.tsx';
import type { ConnectResult, ConnectionScopeDto, RouteScopeDto } from '../../lib/ipc/bindings.ts';
import {
  useCheckPackages,
  useConnectionScope,
  useSetCheckPackage,
  useSetConnectionRoute,
  useSetEntityReads,
} from '../../lib/ipc/queries.ts';
import { type MessageKey, useI18n } from '../../lib/i18n.tsx';
import { MappingPreview } from './MappingPreview.tsx';

/** The plain-language result of the connection test, shown on top of the next step. */
export function TestResult({ result }: { result: ConnectResult }) {
  const { t } = useI18n();
  return (
    <div role="status" className="success">
      <p className="success-title">{t('wizard.success', { account: result.account })}</p>
      {result.details.length > 0 ? (
        <ul>
          {result.details.map((d) => (
            <li key={d}>{d}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** The package the background-check route orders, from the provider's own list. */
function CheckPackageChoice({ provider }: { provider: string }) {
  const { t, date } = useI18n();
  const packages = useCheckPackages(true);
  const save = useSetCheckPackage();
  if (packages.isPending) {
    return (
      <p role="status" className="muted small">
        {t('wizard.checkPackagesLoading', { provider })}
      </p>
    );
  }
  if (packages.isError) {
    return (
      <ErrorBox
        title={t('wizard.checkPackagesError')}
        error={packages.error}
        onRetry={() => void packages.refetch()}
        retryLabel={t('wizard.retry')}
      />
    );
  }
  const choice = packages.data;
  return (
    <div className="check nested">
      <label className="inline-select">
        <span>{t('wizard.checkPackage')}</span>
        <select
          data-testid="check-package"
          value={choice.chosen ?? ''}
          disabled={save.isPending}
          aria-describedby="check-package-help"
          onChange={(e) => {
            if (e.target.value) save.mutate(e.target.value);
          }}
        >
          <option value="" disabled>
            {t('wizard.checkPackageNone')}
          </option>
          {choice.packages.map((p) => (
            <option key={p.id} value={p.id}>
              {p.price ? t('wizard.checkPackagePrice', { name: p.name, price: p.price }) : p.name}
            </option>
          ))}
        </select>
      </label>
      <p id="check-package-help" className="help small">
        {t('wizard.checkPackageHelp', { provider: choice.provider })}{' '}
        {choice.hiredSince ? t('wizard.checkPackageSince', { date: date(choice.hiredSince) }) : null}
      </p>
      {save.isError ? <ErrorBox title={t('wizard.saveError')} error={save.error} /> : null}
    </div>
  );
}

function RouteChoice({
  scope,
  route,
  myCategory,
}: {
  scope: ConnectionScopeDto;
  route: RouteScopeDto;
  myCategory: string;
}) {
  const { t, category } = useI18n();
  const save = useSetConnectionRoute(scope.connectionId);
  const end = (name: string | null, cat: string, mine: boolean) => {
    if (name) return name;
    // Several tools of this kind and none chosen: the owner picks below.
    if (mine) return t('wizard.routeUnchosen', { name: category(cat) });
    return t('wizard.routeMissing', { category: category(cat) });
  };
  const source = route.role === 'source';
  const line = t('wizard.routeLine', {
    from: source ? end(route.from, myCategory, true) : end(route.from, route.otherCategory, false),
    to: source ? end(route.to, route.otherCategory, false) : end(route.to, myCategory, true),
    what: t(`wizard.route.${route.route}` as MessageKey),
  });
  const id = `route-${route.route}`;
  // The background-check route orders nothing until its package is chosen, here.
  const checkProvider =
    route.route === 'hris_to_background_checks' && route.enabled
      ? source
        ? route.to
        : route.usesThis
          ? scope.displayName
          : null
      : null;
  return (
    <div className="route-choice">
      <div className="check">
        <input
          id={id}
          type="checkbox"
          data-testid={id}
          checked={route.enabled}
          disabled={save.isPending}
          aria-describedby={`${id}-help`}
          onChange={(e) => save.mutate({ route: route.route, enabled: e.target.checked, useThis: route.usesThis })}
        />
        <label htmlFor={id}>{line}</label>
        <p id={`${id}-help`} className="help">
          {route.route === 'time_to_payroll' ? t('wizard.routeHoursNote') : null}
          {route.route === 'hris_to_background_checks'
            ? t('wizard.routeCheckApproval')
            : route.needsApproval
              ? t('wizard.routeApproval')
              : null}
        </p>
      </div>
      {route.alternatives.length > 0 ? (
        <div className="check nested">
          <input
            id={`${id}-use`}
            type="checkbox"
            checked={route.usesThis}
            disabled={save.isPending}
            onChange={(e) => save.mutate({ route: route.route, enabled: route.enabled, useThis: e.target.checked })}
          />
          <label htmlFor={`${id}-use`}>
            {t('wizard.routeUseThis', { name: scope.displayName, others: route.alternatives.join(', ') })}
          </label>
        </div>
      ) : null}
      {checkProvider ? <CheckPackageChoice provider={checkProvider} /> : null}
      {save.isError ? <ErrorBox title={t('wizard.saveError')} error={save.error} /> : null}
    </div>
  );
}

function Choices({ scope, category }: { scope: ConnectionScopeDto; category: string }) {
  const { t, entity } = useI18n();
  const reads = useSetEntityReads(scope.connectionId);
  const toggle = (kind: string, on: boolean) => {
    const skip = scope.entities.filter((e) => (e.kind === kind ? !on : !e.read)).map((e) => e.kind);
    reads.mutate(skip);
  };
  const onlyOne = scope.entities.filter((e) => e.read).length === 1;
  return (
    <>
      <fieldset className="choice-group">
        <legend>{t('wizard.entitiesLegend', { name: scope.displayName })}</legend>
        <p className="help" id="entities-help">
          {t('wizard.entitiesHelp')}
        </p>
        <div className="entity-grid">
          {scope.entities.map((e) => (
            <div className="check" key={e.kind}>
              <input
                id={`entity-${e.kind}`}
                type="checkbox"
                data-testid={`entity-${e.kind}`}
                checked={e.read}
                // The last one stays on: a connection that reads nothing is not a connection.
                disabled={reads.isPending || (e.read && onlyOne)}
                aria-describedby={`entity-${e.kind}-help`}
                onChange={(ev) => toggle(e.kind, ev.target.checked)}
              />
              <label htmlFor={`entity-${e.kind}`}>{entity(e.kind)}</label>
              <p id={`entity-${e.kind}-help`} className="help small">
                {e.incremental ? t('wizard.entityChanges') : t('wizard.entityFull')}
              </p>
            </div>
          ))}
        </div>
        {reads.isError ? <ErrorBox title={t('wizard.saveError')} error={reads.error} /> : null}
      </fieldset>
      <fieldset className="choice-group">
        <legend>{t('wizard.routesLegend')}</legend>
        {scope.routes.length === 0 ? (
          <p className="muted">{t('wizard.noRoutes', { name: scope.displayName })}</p>
        ) : (
          <>
            <p className="help">{t('wizard.routesHelp')}</p>
            {scope.routes.map((r) => (
              <RouteChoice key={r.route} scope={scope} route={r} myCategory={category} />
            ))}
          </>
        )}
      </fieldset>
    </>
  );
}

/** Step 4: what the new connection reads, where it goes, and how its fields map. */
export function WhatSyncs({
  result,
  category,
  onNext,
}: {
  result: ConnectResult;
  category: string;
  onNext: () => void;
}) {
  const { t, entity } = useI18n();
  const scope = useConnectionScope(result.connectionId);
  const heading = useRef<HTMLHeadingElement>(null);
  // Keyboard and screen-reader users land on the new step.
  useEffect(() => heading.current?.focus(), []);
  const [chosen, setChosen] = useState<string | null>(null);
  const readable = scope.data?.entities.map((e) => e.kind) ?? [];
  const shown = chosen ?? (readable.includes('employee') ? 'employee' : (readable[0] ?? null));
  return (
    <div className="form what-syncs">
      <TestResult result={result} />
      <h3 ref={heading} tabIndex={-1} className="step-heading">
        {t('wizard.scopeTitle', { name: result.displayName })}
      </h3>
      {scope.isPending ? (
        <p role="status" className="muted">
          {t('wizard.scopeLoading', { name: result.displayName })}
        </p>
      ) : null}
      {scope.isError ? (
        <ErrorBox
          title={t('wizard.scopeError')}
          error={scope.error}
          onRetry={() => void scope.refetch()}
          retryLabel={t('wizard.retry')}
        />
      ) : null}
      {scope.data ? <Choices scope={scope.data} category={category} /> : null}
      {scope.data && shown ? (
        <section className="mapping" aria-labelledby="mapping-title">
          <h3 id="mapping-title">{t('wizard.mappingTitle')}</h3>
          <p className="help">{t('wizard.mappingHelp', { name: result.displayName })}</p>
          <label className="inline-select">
            <span>{t('wizard.mappingEntity')}</span>
            <select
              data-testid="mapping-entity"
              value={shown}
              onChange={(e) => setChosen(e.target.value)}
            >
              {readable.map((k) => (
                <option key={k} value={k}>
                  {entity(k)}
                </option>
              ))}
            </select>
          </label>
          <MappingPreview connectionId={result.connectionId} name={result.displayName} entityKind={shown} />
        </section>
      ) : null}
      <div className="actions">
        <button type="button" className="button primary" data-testid="wizard-next" onClick={onNext}>
          {t('wizard.continue')}
        </button>
      </div>
    </div>
  );
}
