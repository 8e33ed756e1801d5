import { describeIpcError } from '../lib/ipc/errors.ts';
import { useI18n } from '../lib/i18n.tsx';

/** The part of a save mutation (a query hook's result) that the button and its error read. */
interface SaveState {
  isPending: boolean;
  isError: boolean;
  error: unknown;
}

/** A button that starts a save: disabled and reading "Working…" while it runs. */
export function SaveButton({
  save,
  label,
  onClick,
  testId,
  primary = false,
}: {
  save: SaveState;
  label: string;
  onClick: () => void;
  testId?: string;
  primary?: boolean;
}) {
  const { t } = useI18n();
  return (
    <button
      type="button"
      className={primary ? 'button primary' : 'button'}
      data-testid={testId}
      disabled={save.isPending}
      onClick={onClick}
    >
      {save.isPending ? t('common.working') : label}
    </button>
  );
}

/** Why a save failed, in plain words; nothing while it has not failed. */
export function SaveError({ save }: { save: SaveState }) {
  return save.isError ? (
    <p role="alert" className="error-detail">
      {describeIpcError(save.error)}
    </p>
  ) : null;
}
