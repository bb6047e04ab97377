import { describeError } from '../api/describe-error';
import type { I18n } from '../i18n/i18n';

/** A failure in words the owner can act on, announced at once (role=alert). */
export function ErrorMessage({ error, i18n, onRetry }: { error: unknown; i18n: I18n; onRetry?: () => void }) {
  const { key, params } = describeError(error);
  return (
    <div class="error" role="alert">
      <p>{i18n.t(key, params)}</p>
      {onRetry && (
        <button type="button" class="button secondary inline" style={{ marginTop: '0.75rem' }} onClick={onRetry}>
          {i18n.t('common.retry')}
        </button>
      )}
    </div>
  );
}
