import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { ConnectorDto, FieldDto } from '../../lib/ipc/bindings.ts';
import { I18nProvider } from '../../lib/i18n.tsx';
import { connectorList } from '../../test/fixtures.tsx';
import { Catalog } from './Catalog.tsx';

const secret = (key: string, label: string, multiline = false): FieldDto => ({
  key,
  label,
  help: '',
  kind: 'secret',
  required: true,
  example: null,
  default: null,
  multiline,
});

const tools: ConnectorDto[] = [
  ...connectorList,
  {
    id: 'harvest',
    name: 'Harvest',
    category: 'time_tracking',
    summary: 'Time tracking.',
    auth: 'api_key',
    fields: [secret('access_token', 'Personal access token')],
    reads: ['time_entry'],
    docsUrl: 'https://help.getharvest.com/api-v2',
  },
  {
    id: 'adp',
    name: 'ADP Workforce Now',
    category: 'payroll',
    summary: 'Payroll.',
    auth: 'api_key',
    fields: [
      secret('client_id', 'Client ID'),
      secret('client_secret', 'Client Secret'),
      secret('client_certificate', 'Client certificate (PEM)', true),
      secret('client_key', 'Private key (PEM)', true),
    ],
    reads: ['employee'],
    docsUrl: 'https://developers.adp.com',
  },
  {
    id: 'quickbooks',
    name: 'QuickBooks Online',
    category: 'payroll',
    summary: 'Payroll and accounting.',
    auth: 'oauth2',
    fields: [],
    reads: ['employee'],
    docsUrl: 'https://developer.intuit.com',
  },
  {
    id: 'trinet',
    name: 'TriNet',
    category: 'hris',
    summary: 'HR and payroll (PEO).',
    auth: 'api_key',
    fields: [secret('client_id', 'Client ID'), secret('client_secret', 'Client Secret')],
    reads: ['employee'],
    docsUrl: 'https://developers.trinet.com',
  },
  {
    id: 'corner-shifts',
    name: 'Corner Shifts',
    category: 'custom',
    summary: "The shop's own shift log.",
    auth: 'api_key',
    fields: [secret('key', 'Access key')],
    reads: ['time_entry'],
    docsUrl: 'https://shifts.example/docs',
  },
];

function renderCatalog(locale: 'en' | 'es' = 'en') {
  const onPick = vi.fn();
  render(
    <I18nProvider initial={locale}>
      <Catalog connectors={tools} onPick={onPick} />
    </I18nProvider>,
  );
  return { onPick, user: userEvent.setup() };
}

const tileNames = () => screen.queryAllByTestId(/^catalog-(?!search)/).map((b) => b.querySelector('.tile-title')?.textContent);

describe('the catalog', () => {
  it('lists every connector grouped by kind, each with how it signs in', () => {
    renderCatalog();
    const groups = screen.getAllByRole('heading', { level: 3 }).map((h) => h.textContent);
    expect(groups).toEqual(['Payroll', 'HR system', 'Time tracking', 'Custom']);
    const payroll = screen.getByRole('region', { name: 'Payroll' });
    expect(within(payroll).getAllByRole('button').map((b) => b.querySelector('.tile-title')?.textContent)).toEqual([
      'ADP Workforce Now',
      'Gusto',
      'QuickBooks Online',
    ]);
    expect(screen.getByTestId('catalog-gusto')).toHaveTextContent('Sign in with your Gusto account in your browser');
    expect(screen.getByTestId('catalog-harvest')).toHaveTextContent('Paste your personal access token from Harvest');
    expect(screen.getByTestId('catalog-bamboohr')).toHaveTextContent('Paste your API key from BambooHR');
    expect(screen.getByTestId('catalog-trinet')).toHaveTextContent('Paste your client ID and client secret from TriNet');
    expect(screen.getByTestId('catalog-adp')).toHaveTextContent(
      'A client ID and secret, and the certificate and key ADP Workforce Now issued for your app',
    );
    expect(screen.getByTestId('catalog-corner-shifts')).toBeInTheDocument();
  });

  it('searches names, kinds and other names, and filters by kind', async () => {
    const { user, onPick } = renderCatalog();
    const search = screen.getByRole('searchbox', { name: 'Search tools' });
    await user.type(search, 'qbo');
    expect(tileNames()).toEqual(['QuickBooks Online']);
    await user.clear(search);
    await user.type(search, 'time tracking');
    expect(tileNames()).toEqual(['Harvest']);
    await user.clear(search);
    await user.type(search, 'nothing like it');
    expect(screen.getByRole('status')).toHaveTextContent('No tool matches “nothing like it”');
    await user.clear(search);

    await user.click(screen.getByRole('button', { name: 'HR system' }));
    expect(screen.getByRole('button', { name: 'HR system' })).toHaveAttribute('aria-pressed', 'true');
    expect(tileNames()).toEqual(['BambooHR', 'TriNet']);
    await user.click(screen.getByRole('button', { name: /BambooHR/ }));
    expect(onPick).toHaveBeenCalledWith(expect.objectContaining({ id: 'bamboohr' }));
    await user.click(screen.getByRole('button', { name: 'HR system' }));
    expect(tileNames()).toHaveLength(tools.length);
  });

  it('speaks Spanish', () => {
    renderCatalog('es');
    expect(screen.getByRole('heading', { name: 'Nómina' })).toBeInTheDocument();
    expect(screen.getByTestId('catalog-gusto')).toHaveTextContent('Inicie sesión con su cuenta de Gusto en el navegador');
  });
});
