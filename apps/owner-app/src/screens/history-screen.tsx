import { useEffect, useState } from 'preact/hooks';
import type { RequestView } from '../api/types';
import { ErrorMessage } from '../components/error-message';
import { useScreenTitle } from '../components/use-screen-title';
import type { MessageKey } from '../i18n/i18n';
import { hrefOf } from '../router';
import type { ScreenProps } from './screen-props';
import { clientLabel } from '../format/client-label';

/** Past requests (decided or expired), newest first, a page at a time. */
export function HistoryScreen({ api, i18n }: ScreenProps) {
  const { t } = i18n;
  const [items, setItems] = useState<RequestView[]>();
  const [cursor, setCursor] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(false);
  useScreenTitle(t('history.title'), t('app.name'));

  const load = async (from?: string) => {
    setLoading(true);
    setError(undefined);
    try {
      const page = await api.history(20, from);
      setItems((list) => [...(from ? (list ?? []) : []), ...page.requests]);
      setCursor(page.next_cursor);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => void load(), []);

  return (
    <section class="screen" aria-labelledby="screen-title">
      <h1 id="screen-title" class="screen-title" tabIndex={-1}>
        {t('history.title')}
      </h1>
      {error !== undefined && <ErrorMessage error={error} i18n={i18n} onRetry={() => load(cursor)} />}
      {items === undefined && error === undefined && <p role="status">{t('app.loading')}</p>}
      {items?.length === 0 && <p class="card">{t('history.empty')}</p>}
      {items && items.length > 0 && (
        <ul class="list">
          {items.map((r) => (
            <li key={r.id} class="card">
              <a class="request-link" href={hrefOf({ name: 'request', id: r.id })}>
                <span class="row">
                  <span class="client">{clientLabel(r, t('request.unnamed_client'))}</span>
                  <span class={`pill ${r.status}`}>{t(`status.${r.status}` as MessageKey)}</span>
                </span>
                {r.binding_message && <span style={{ display: 'block' }}>{r.binding_message}</span>}
                <span class="meta" style={{ display: 'block' }}>
                  {i18n.dateTime(r.created_at)}
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
      {cursor && (
        <button type="button" class="button secondary" onClick={() => load(cursor)} disabled={loading}>
          {t('history.load_more')}
        </button>
      )}
    </section>
  );
}
