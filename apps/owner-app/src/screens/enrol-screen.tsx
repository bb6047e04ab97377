import { startRegistration } from '@simplewebauthn/browser';
import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../api/client';
import type { EnrolmentOptions } from '../api/types';
import { ErrorMessage } from '../components/error-message';
import { Icon } from '../components/icons';
import { useScreenTitle } from '../components/use-screen-title';
import type { I18n } from '../i18n/i18n';

/** A readable default name for this phone, from the browser's own hints. */
function guessDeviceName(fallback: string): string {
  const ua = navigator.userAgent;
  if (/iPhone/.test(ua)) return 'iPhone';
  if (/iPad/.test(ua)) return 'iPad';
  const android = /Android[^;)]*;\s*([^;)]+?)(?:\sBuild|\))/.exec(ua);
  if (android && !/^K$/.test(android[1])) return android[1].trim();
  if (/Android/.test(ua)) return 'Android';
  return fallback;
}

/**
 * Enrolment from an invitation link (`#/enrol/{token}`): the invitation is checked,
 * the owner names the phone and creates a passkey (WebAuthn registration, user
 * verification required); the provider then sets the session cookie.
 */
export function EnrolScreen({
  token,
  api,
  i18n,
  onEnrolled,
}: {
  token: string;
  api: Api;
  i18n: I18n;
  onEnrolled: () => void;
}) {
  const { t } = i18n;
  const [options, setOptions] = useState<EnrolmentOptions>();
  const [loadError, setLoadError] = useState<unknown>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const [name, setName] = useState(() => guessDeviceName(t('enrol.device_name_default')));
  useScreenTitle(t('enrol.title'), t('app.name'));

  const load = () => {
    setLoadError(undefined);
    api.enrolmentOptions(token).then(setOptions, setLoadError);
  };
  useEffect(load, [token]);

  const create = async (event: Event) => {
    event.preventDefault();
    if (!options) return;
    setBusy(true);
    setError(undefined);
    try {
      const credential = await startRegistration({ optionsJSON: options.public_key });
      await api.enrolmentVerify(options.enrolment_id, credential, name.trim() || undefined);
      // The token is spent: keep it out of the history from here on.
      history.replaceState(null, '', '#/requests');
      setDone(true);
    } catch (e) {
      setError(e);
      // An enrolment challenge is single-use: fetch a fresh one for the next try.
      api.enrolmentOptions(token).then(setOptions, () => undefined);
    } finally {
      setBusy(false);
    }
  };

  if (done) {
    return (
      <section class="screen outcome" aria-labelledby="screen-title">
        <span style={{ color: 'var(--ok)' }}>
          <Icon name="check" />
        </span>
        <h1 id="screen-title" class="screen-title" tabIndex={-1}>
          {t('enrol.done_title')}
        </h1>
        <p>{t('enrol.done_body')}</p>
        <button type="button" class="button" onClick={onEnrolled}>
          {t('enrol.go_to_requests')}
        </button>
      </section>
    );
  }

  const invalid = (loadError as { kind?: string } | undefined)?.kind === 'invalid';
  return (
    <section class="screen" aria-labelledby="screen-title">
      <h1 id="screen-title" class="screen-title" tabIndex={-1}>
        {t('enrol.title')}
      </h1>
      {!options && !loadError && <p role="status">{t('enrol.checking')}</p>}
      {loadError !== undefined &&
        (invalid ? (
          <div class="error" role="alert">
            <p>{t('enrol.invitation_invalid')}</p>
          </div>
        ) : (
          <ErrorMessage error={loadError} i18n={i18n} onRetry={load} />
        ))}
      {options && (
        <form class="card" onSubmit={create}>
          <h2>
            {options.owner.display_name
              ? t('enrol.welcome', { name: options.owner.display_name })
              : t('enrol.welcome_anonymous')}
          </h2>
          <p>{t('enrol.body')}</p>
          <div style={{ marginTop: '1rem' }}>
            <label for="device-name">{t('enrol.device_name_label')}</label>
            <input
              id="device-name"
              type="text"
              value={name}
              maxLength={64}
              autoComplete="off"
              aria-describedby="device-name-hint"
              onInput={(e) => setName((e.target as HTMLInputElement).value)}
            />
            <p id="device-name-hint" class="meta">
              {t('enrol.device_name_hint')}
            </p>
          </div>
          {error !== undefined && <ErrorMessage error={error} i18n={i18n} />}
          <button type="submit" class="button" disabled={busy} aria-describedby={busy ? 'enrol-busy' : undefined}>
            {t('enrol.create_passkey')}
          </button>
          {busy && (
            <p id="enrol-busy" role="status">
              {t('enrol.busy')}
            </p>
          )}
        </form>
      )}
    </section>
  );
}
