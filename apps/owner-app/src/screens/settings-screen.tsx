import { useEffect, useState } from 'preact/hooks';
import { ErrorMessage } from '../components/error-message';
import { useScreenTitle } from '../components/use-screen-title';
import { disablePush, enablePush, pushState, type PushState } from '../push/push';
import type { ScreenProps } from './screen-props';

/** Notifications for this phone, the language in use, and sign-out. */
export function SettingsScreen({ api, i18n, session, onSignedOut }: ScreenProps & { onSignedOut: () => void }) {
  const { t } = i18n;
  const [push, setPush] = useState<PushState>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  useScreenTitle(t('settings.title'), t('app.name'));

  useEffect(() => {
    pushState().then(setPush, () => setPush('unsupported'));
  }, []);

  const toggle = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setPush(push === 'on' ? await disablePush(api) : await enablePush(api));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const signOut = async () => {
    try {
      await api.signOut();
    } catch {
      // Signed out here regardless: the cookie is the provider's to clear.
    }
    onSignedOut();
  };

  const name = session.owner.display_name ?? session.owner.sub ?? '';
  return (
    <section class="screen" aria-labelledby="screen-title">
      <h1 id="screen-title" class="screen-title" tabIndex={-1}>
        {t('settings.title')}
      </h1>
      {name && <p>{t('settings.account', { name })}</p>}
      {error !== undefined && <ErrorMessage error={error} i18n={i18n} />}
      <div class="card" role="region" aria-labelledby="notifications-title">
        <h2 id="notifications-title">{t('settings.notifications_title')}</h2>
        {push === 'unsupported' && <p>{t('settings.notifications_unsupported')}</p>}
        {push === 'blocked' && <p>{t('settings.notifications_blocked')}</p>}
        {(push === 'on' || push === 'off') && (
          <>
            <p>{push === 'on' ? t('settings.notifications_on') : t('settings.notifications_off')}</p>
            <button type="button" class="button secondary inline" onClick={toggle} disabled={busy}>
              {push === 'on' ? t('settings.notifications_disable') : t('settings.notifications_enable')}
            </button>
          </>
        )}
      </div>
      <div class="card" role="region" aria-labelledby="language-title">
        <h2 id="language-title">{t('settings.language_title')}</h2>
        <p>{t('settings.language_body', { language: i18n.languageName(i18n.locale) })}</p>
      </div>
      <button type="button" class="button secondary" onClick={signOut}>
        {t('settings.sign_out')}
      </button>
    </section>
  );
}
