import { startAuthentication } from '@simplewebauthn/browser';
import { useState } from 'preact/hooks';
import type { Api } from '../api/client';
import type { Session } from '../api/types';
import { ErrorMessage } from '../components/error-message';
import { Icon } from '../components/icons';
import { useScreenTitle } from '../components/use-screen-title';
import type { I18n } from '../i18n/i18n';

/** Sign-in with a discoverable passkey: no user name, the authenticator offers the owner's. */
export function SignInScreen({ api, i18n, onSignedIn }: { api: Api; i18n: I18n; onSignedIn: (s: Session) => void }) {
  const { t } = i18n;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  useScreenTitle(t('sign_in.title'), t('app.name'));

  const signIn = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const { challenge_id, public_key } = await api.signInOptions();
      const credential = await startAuthentication({ optionsJSON: public_key });
      onSignedIn(await api.signInVerify(challenge_id, credential));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="screen" aria-labelledby="screen-title">
      <div style={{ color: 'var(--primary)', width: '3.5rem' }}>
        <Icon name="shield" />
      </div>
      <h1 id="screen-title" class="screen-title" tabIndex={-1}>
        {t('sign_in.title')}
      </h1>
      <p>{t('sign_in.body')}</p>
      {error !== undefined && <ErrorMessage error={error} i18n={i18n} />}
      <button type="button" class="button" onClick={signIn} disabled={busy}>
        {t('sign_in.button')}
      </button>
      {busy && <p role="status">{t('sign_in.busy')}</p>}
      <p class="lead">{t('sign_in.new_phone')}</p>
    </section>
  );
}
