import { useEffect, useState } from 'preact/hooks';
import type { RequestView } from '../api/types';
import { useNow } from '../components/countdown';
import { ErrorMessage } from '../components/error-message';
import { useScreenTitle } from '../components/use-screen-title';
import { deadlineFrom, formatCountdown, secondsLeft } from '../format/countdown';
import { enablePush, pushState } from '../push/push';
import { hrefOf } from '../router';
import type { ScreenProps } from './screen-props';
import { clientLabel } from '../format/client-label';

const PROMPT_DISMISSED = 'onboard.push-prompt-dismissed';

type Item = RequestView & { deadline: number };
const withDeadline = (r: RequestView): Item => ({ ...r, deadline: deadlineFrom(r.expires_in, Date.now()) });

/** Pending requests, newest first, kept live by the event stream. */
export function RequestsScreen({ api, i18n, live }: ScreenProps) {
  const { t } = i18n;
  const [items, setItems] = useState<Item[]>();
  const [error, setError] = useState<unknown>();
  const [showPrompt, setShowPrompt] = useState(false);
  const now = useNow();
  useScreenTitle(t('requests.title'), t('app.name'));

  const load = () => {
    setError(undefined);
    api.requests(50).then((page) => setItems(page.requests.map(withDeadline)), setError);
  };
  useEffect(load, []);

  useEffect(
    () =>
      live.subscribe((event) => {
        if (event.type === 'open') load();
        if (event.type === 'request.created' && event.request.status === 'pending') {
          const item = withDeadline(event.request);
          setItems((list) => [item, ...(list ?? []).filter((r) => r.id !== item.id)]);
        }
        if (event.type === 'request.updated' && event.update.status !== 'pending') {
          setItems((list) => list?.filter((r) => r.id !== event.update.id));
        }
      }),
    [live],
  );

  useEffect(() => {
    if (localStorage.getItem(PROMPT_DISMISSED)) return;
    pushState().then(
      (state) => setShowPrompt(state === 'off'),
      () => undefined,
    );
  }, []);

  const dismissPrompt = () => {
    localStorage.setItem(PROMPT_DISMISSED, '1');
    setShowPrompt(false);
  };
  const turnOnPush = async () => {
    try {
      const state = await enablePush(api);
      if (state !== 'off') setShowPrompt(false);
    } catch (e) {
      setError(e);
    }
  };

  const visible = items?.filter((r) => secondsLeft(r.deadline, now) > 0);

  return (
    <section class="screen" aria-labelledby="screen-title">
      <div class="row">
        <h1 id="screen-title" class="screen-title" tabIndex={-1}>
          {t('requests.title')}
        </h1>
        <button type="button" class="button secondary inline" onClick={load}>
          {t('requests.refresh')}
        </button>
      </div>
      {error !== undefined && <ErrorMessage error={error} i18n={i18n} onRetry={load} />}
      {showPrompt && (
        <div class="card" role="region" aria-labelledby="push-prompt-title">
          <h2 id="push-prompt-title">{t('requests.push_prompt_title')}</h2>
          <p>{t('requests.push_prompt_body')}</p>
          <div class="row" style={{ justifyContent: 'flex-start' }}>
            <button type="button" class="button inline" onClick={turnOnPush}>
              {t('requests.push_prompt_button')}
            </button>
            <button type="button" class="button link inline" onClick={dismissPrompt}>
              {t('requests.push_prompt_dismiss')}
            </button>
          </div>
        </div>
      )}
      {visible === undefined && error === undefined && <p role="status">{t('app.loading')}</p>}
      {visible?.length === 0 && (
        <div class="card">
          <h2>{t('requests.empty_title')}</h2>
          <p class="lead">{t('requests.empty_body')}</p>
        </div>
      )}
      {visible && visible.length > 0 && (
        <ul class="list">
          {visible.map((r) => {
            const client = clientLabel(r, t('request.unnamed_client'));
            return (
              <li key={r.id} class="card">
                <a class="request-link" href={hrefOf({ name: 'request', id: r.id })}>
                  <span class="client">{client}</span>
                  {r.binding_message && (
                    <span class="code" style={{ display: 'block' }}>
                      {r.binding_message}
                    </span>
                  )}
                </a>
                <p class="meta">
                  {t('requests.expires_in', { time: formatCountdown(i18n.locale, secondsLeft(r.deadline, now)) })}
                </p>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
