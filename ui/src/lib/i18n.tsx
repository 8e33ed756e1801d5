/**
 * A tiny i18n layer: one dictionary per language, `{name}` placeholders, and dates and
 * numbers formatted by `Intl` in the selected locale.
 */
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';

const en = {
  'app.name': 'Integration Maestro',
  'app.tagline': 'your HR tools, in step',
  'app.loading': 'Starting…',
  'app.backendError': 'We couldn’t reach the app’s backend.',
  'app.retry': 'Try again',
  'lang.label': 'Language',

  'first.welcome': 'Welcome. Integration Maestro keeps your HR and payroll tools in step, from this computer. Your data is kept in one encrypted file.',
  'first.createTitle': 'Set up your encrypted store',
  'first.unlockTitle': 'Unlock your data',
  'first.company': 'Company name',
  'first.companyHelp': 'The business whose people you manage, for example “Bluebird Bakery”.',
  'first.protect': 'How to protect the key',
  'first.useKeychain': 'System keychain (recommended)',
  'first.usePassphrase': 'A passphrase I choose',
  'first.noKeychain': 'This computer has no system keychain, so a passphrase protects your data.',
  'first.passphrase': 'Passphrase',
  'first.passphraseHelp': 'At least 12 characters. A few unrelated words are easy to remember and hard to guess. It cannot be recovered if lost.',
  'first.passphraseShort': 'Use at least 12 characters ({count} so far).',
  'first.passphraseOk': 'Long enough.',
  'first.create': 'Create encrypted store',
  'first.createFailed': 'Your store could not be created.',
  'first.creating': 'Creating… (deriving the key takes a moment)',
  'first.unlock': 'Unlock',
  'first.unlocking': 'Unlocking…',
  'first.unlockKeychain': 'Your key is in the system keychain.',
  'first.where': 'Data folder: {dir}',
  'start.title': 'How would you like to start?',
  'start.demo': 'Explore with demo data',
  'start.demoHelp': 'Runs pretend BambooHR, Gusto and Harvest accounts on this computer for a 25-person bakery, connects them and syncs. Nothing leaves this computer.',
  'start.demoRunning': 'Starting the demo tools, connecting and syncing…',
  'start.connect': 'Connect your first tool',
  'start.connectHelp': 'Pick the payroll, HR or time-tracking tool you use and sign in to it.',

  'wizard.title': 'Connect a tool',
  'wizard.step': 'Step {n} of {total}',
  'wizard.category': 'What kind of tool?',
  'wizard.provider': 'Which one?',
  'wizard.details': 'Sign-in details for {name}',
  'wizard.test': 'Test connection',
  'wizard.testing': 'Testing the connection…',
  'wizard.oauthHint': '{name} signs you in through your web browser. We will open it when you test the connection.',
  'wizard.oauthClientId': 'OAuth client id',
  'wizard.oauthClientIdHelp': 'From your {name} developer app settings.',
  'wizard.oauthClientSecret': 'OAuth client secret',
  'wizard.oauthClientSecretHelp': 'Leave empty if your app has none.',
  'wizard.baseUrl': 'API address (optional)',
  'wizard.baseUrlHelp': 'Only for a provider sandbox or another region. Leave empty for the normal service.',
  'wizard.success': 'Connected to {account}.',
  'wizard.failure': 'That did not work: {message}',
  'wizard.sync': 'Run the first sync',
  'wizard.syncing': 'Syncing…',
  'wizard.synced': 'First sync done: {count} records.',
  'wizard.done': 'Go to the dashboard',
  'wizard.back': 'Back',
  'wizard.cancel': 'Cancel',
  'wizard.next': 'Next',
  'wizard.required': 'required',
  'wizard.noProviders': 'No tools of this kind yet.',

  'dash.title': '{company}',
  'dash.connections': 'Connections',
  'dash.addConnection': 'Connect a tool',
  'dash.syncAll': 'Sync all now',
  'dash.syncing': 'Syncing…',
  'dash.noConnections': 'Nothing is connected yet.',
  'dash.lastSync': 'Last sync',
  'dash.never': 'Never synced',
  'dash.records': '{count} records',
  'dash.needsAttention': 'Needs attention',
  'dash.ok': 'In step',
  'dash.chartTitle': 'Records per kind',
  'dash.chartEmpty': 'No records yet. Run a sync to bring them in.',
  'dash.alerts': 'Needs your attention',
  'dash.noAlerts': 'All clear. Nothing needs your attention.',
  'dash.reconnect': 'Reconnect',
  'dash.reconnectTitle': 'Reconnect {name}',
  'dash.reconnectSave': 'Save and test',
  'dash.reconnected': 'Reconnected to {account}.',
  'dash.loading': 'Loading your dashboard…',
  'dash.error': 'The dashboard could not load.',
  'dash.key': 'Encrypted with {cipher} · key in {source} · {entries} audit entries',
  'dash.keychain': 'the system keychain',
  'dash.passphraseKey': 'your passphrase',
  'status.succeeded': 'succeeded',
  'status.failed': 'failed',
  'status.running': 'running',

  'progress.title': 'Sync progress',
  'progress.row': '{entity}: {seen} read, {created} new, {updated} changed',
  'progress.failed': '{entity}: failed — {error}',
} as const;

/** A key of the dictionary. */
export type MessageKey = keyof typeof en;

const es: Record<MessageKey, string> = {
  'app.name': 'Integration Maestro',
  'app.tagline': 'tus herramientas de RR. HH., en sintonía',
  'app.loading': 'Iniciando…',
  'app.backendError': 'No pudimos conectar con el motor de la aplicación.',
  'app.retry': 'Reintentar',
  'lang.label': 'Idioma',

  'first.welcome': 'Bienvenido. Integration Maestro mantiene en sintonía tus herramientas de nómina y RR. HH., desde este equipo. Tus datos se guardan en un único archivo cifrado.',
  'first.createTitle': 'Configura tu almacén cifrado',
  'first.unlockTitle': 'Desbloquea tus datos',
  'first.company': 'Nombre de la empresa',
  'first.companyHelp': 'La empresa cuyo personal gestionas, por ejemplo «Panadería Bluebird».',
  'first.protect': 'Cómo proteger la clave',
  'first.useKeychain': 'Llavero del sistema (recomendado)',
  'first.usePassphrase': 'Una frase de contraseña que elijo',
  'first.noKeychain': 'Este equipo no tiene llavero del sistema, así que una frase de contraseña protege tus datos.',
  'first.passphrase': 'Frase de contraseña',
  'first.passphraseHelp': 'Al menos 12 caracteres. Unas cuantas palabras sin relación son fáciles de recordar y difíciles de adivinar. No se puede recuperar si se pierde.',
  'first.passphraseShort': 'Usa al menos 12 caracteres (llevas {count}).',
  'first.passphraseOk': 'Longitud suficiente.',
  'first.create': 'Crear almacén cifrado',
  'first.createFailed': 'No se pudo crear el almacén.',
  'first.creating': 'Creando… (derivar la clave tarda un momento)',
  'first.unlock': 'Desbloquear',
  'first.unlocking': 'Desbloqueando…',
  'first.unlockKeychain': 'Tu clave está en el llavero del sistema.',
  'first.where': 'Carpeta de datos: {dir}',
  'start.title': '¿Cómo quieres empezar?',
  'start.demo': 'Explorar con datos de demostración',
  'start.demoHelp': 'Ejecuta cuentas simuladas de BambooHR, Gusto y Harvest en este equipo para una panadería de 25 personas, las conecta y sincroniza. Nada sale de este equipo.',
  'start.demoRunning': 'Iniciando las herramientas de demostración, conectando y sincronizando…',
  'start.connect': 'Conecta tu primera herramienta',
  'start.connectHelp': 'Elige la herramienta de nómina, RR. HH. o control horario que usas e inicia sesión.',

  'wizard.title': 'Conectar una herramienta',
  'wizard.step': 'Paso {n} de {total}',
  'wizard.category': '¿Qué tipo de herramienta?',
  'wizard.provider': '¿Cuál?',
  'wizard.details': 'Datos de acceso de {name}',
  'wizard.test': 'Probar la conexión',
  'wizard.testing': 'Probando la conexión…',
  'wizard.oauthHint': '{name} inicia sesión a través de tu navegador. Lo abriremos al probar la conexión.',
  'wizard.oauthClientId': 'ID de cliente OAuth',
  'wizard.oauthClientIdHelp': 'En la configuración de tu aplicación de desarrollador de {name}.',
  'wizard.oauthClientSecret': 'Secreto de cliente OAuth',
  'wizard.oauthClientSecretHelp': 'Déjalo vacío si tu aplicación no tiene.',
  'wizard.baseUrl': 'Dirección de la API (opcional)',
  'wizard.baseUrlHelp': 'Solo para un entorno de pruebas del proveedor u otra región. Déjalo vacío para el servicio normal.',
  'wizard.success': 'Conectado a {account}.',
  'wizard.failure': 'No funcionó: {message}',
  'wizard.sync': 'Ejecutar la primera sincronización',
  'wizard.syncing': 'Sincronizando…',
  'wizard.synced': 'Primera sincronización lista: {count} registros.',
  'wizard.done': 'Ir al panel',
  'wizard.back': 'Atrás',
  'wizard.cancel': 'Cancelar',
  'wizard.next': 'Siguiente',
  'wizard.required': 'obligatorio',
  'wizard.noProviders': 'Todavía no hay herramientas de este tipo.',

  'dash.title': '{company}',
  'dash.connections': 'Conexiones',
  'dash.addConnection': 'Conectar una herramienta',
  'dash.syncAll': 'Sincronizar todo ahora',
  'dash.syncing': 'Sincronizando…',
  'dash.noConnections': 'Todavía no hay nada conectado.',
  'dash.lastSync': 'Última sincronización',
  'dash.never': 'Nunca sincronizada',
  'dash.records': '{count} registros',
  'dash.needsAttention': 'Requiere atención',
  'dash.ok': 'En sintonía',
  'dash.chartTitle': 'Registros por tipo',
  'dash.chartEmpty': 'Aún no hay registros. Sincroniza para traerlos.',
  'dash.alerts': 'Requiere tu atención',
  'dash.noAlerts': 'Todo en orden. Nada requiere tu atención.',
  'dash.reconnect': 'Reconectar',
  'dash.reconnectTitle': 'Reconectar {name}',
  'dash.reconnectSave': 'Guardar y probar',
  'dash.reconnected': 'Reconectado a {account}.',
  'dash.loading': 'Cargando tu panel…',
  'dash.error': 'No se pudo cargar el panel.',
  'dash.key': 'Cifrado con {cipher} · clave en {source} · {entries} entradas de auditoría',
  'dash.keychain': 'el llavero del sistema',
  'dash.passphraseKey': 'tu frase de contraseña',
  'status.succeeded': 'correcta',
  'status.failed': 'fallida',
  'status.running': 'en curso',

  'progress.title': 'Progreso de la sincronización',
  'progress.row': '{entity}: {seen} leídos, {created} nuevos, {updated} cambiados',
  'progress.failed': '{entity}: falló — {error}',
};

const categories: Record<Locale, Record<string, string>> = {
  en: {
    payroll: 'Payroll',
    hris: 'HR system',
    time_tracking: 'Time tracking',
    benefits: 'Benefits',
    background_checks: 'Background checks',
    accounting: 'Accounting',
    chat: 'Team chat',
    e_signature: 'E-signature',
    compliance: 'Compliance',
    custom: 'Custom',
  },
  es: {
    payroll: 'Nómina',
    hris: 'Sistema de RR. HH.',
    time_tracking: 'Control horario',
    benefits: 'Beneficios',
    background_checks: 'Verificación de antecedentes',
    accounting: 'Contabilidad',
    chat: 'Chat de equipo',
    e_signature: 'Firma electrónica',
    compliance: 'Cumplimiento',
    custom: 'Personalizado',
  },
};

const entities: Record<Locale, Record<string, string>> = {
  en: {
    company: 'Companies',
    employee: 'Employees',
    employment: 'Employments',
    compensation: 'Pay rates',
    department: 'Departments',
    location: 'Locations',
    time_off_policy: 'Time-off policies',
    time_off_request: 'Time-off requests',
    time_off_balance: 'Time-off balances',
    time_entry: 'Time entries',
    timesheet_entry: 'Timesheet entries',
    payroll_run: 'Payroll runs',
    pay_statement: 'Pay statements',
    benefit_plan: 'Benefit plans',
    benefit_enrollment: 'Benefit enrolments',
    bank_account: 'Bank accounts',
    dependent: 'Dependents',
    contractor: 'Contractors',
  },
  es: {
    company: 'Empresas',
    employee: 'Empleados',
    employment: 'Contratos',
    compensation: 'Salarios',
    department: 'Departamentos',
    location: 'Centros',
    time_off_policy: 'Políticas de ausencia',
    time_off_request: 'Solicitudes de ausencia',
    time_off_balance: 'Saldos de ausencia',
    time_entry: 'Registros de horas',
    timesheet_entry: 'Partes de horas',
    payroll_run: 'Nóminas',
    pay_statement: 'Recibos de nómina',
    benefit_plan: 'Planes de beneficios',
    benefit_enrollment: 'Inscripciones',
    bank_account: 'Cuentas bancarias',
    dependent: 'Dependientes',
    contractor: 'Autónomos',
  },
};

/** Languages the UI speaks. */
export type Locale = 'en' | 'es';
/** Every supported locale with its own name. */
export const LOCALES: ReadonlyArray<{ id: Locale; name: string }> = [
  { id: 'en', name: 'English' },
  { id: 'es', name: 'Español' },
];
const dictionaries: Record<Locale, Record<MessageKey, string>> = { en, es };

/** Fills `{name}` placeholders. */
export function format(template: string, vars: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = vars[name];
    return value === undefined ? whole : String(value);
  });
}

/** What components get from `useI18n()`. */
export interface I18n {
  locale: Locale;
  setLocale: (locale: Locale) => void;
  t: (key: MessageKey, vars?: Record<string, string | number>) => string;
  number: (n: number) => string;
  dateTime: (iso: string) => string;
  category: (id: string) => string;
  entity: (kind: string) => string;
}

function makeI18n(locale: Locale, setLocale: (l: Locale) => void): I18n {
  const numbers = new Intl.NumberFormat(locale);
  const dates = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
  const humanise = (id: string) => id.replace(/_/g, ' ');
  return {
    locale,
    setLocale,
    t: (key, vars) => format(dictionaries[locale][key], vars),
    number: (n) => numbers.format(n),
    dateTime: (iso) => {
      const d = new Date(iso);
      return Number.isNaN(d.getTime()) ? iso : dates.format(d);
    },
    category: (id) => categories[locale][id] ?? humanise(id),
    entity: (kind) => entities[locale][kind] ?? humanise(kind),
  };
}

const I18nContext = createContext<I18n>(makeI18n('en', () => {}));

/** The browser's language when it is one we speak, else English. */
export function preferredLocale(languages: readonly string[] = navigator.languages): Locale {
  for (const lang of languages) {
    const base = lang.toLowerCase().split('-')[0];
    if (base === 'es' || base === 'en') return base;
  }
  return 'en';
}

/** Provides the selected language to the tree below. */
export function I18nProvider({ initial, children }: { initial?: Locale; children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(() => initial ?? preferredLocale());
  const setLocale = useCallback((l: Locale) => {
    setLocaleState(l);
    document.documentElement.lang = l;
  }, []);
  const value = useMemo(() => makeI18n(locale, setLocale), [locale, setLocale]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

/** The current language's strings and formatters. */
export function useI18n(): I18n {
  return useContext(I18nContext);
}
