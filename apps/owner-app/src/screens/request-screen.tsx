import { startAuthentication } from '@simplewebauthn/browser';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { RequestStatus, RequestView } from '../api/types';
import { brandStrings, resolveBrandTheme } from '../branding/brand-theme';
import { Countdown } from '../components/countdown';
import { ErrorMessage } from '../components/error-message';
import { Icon } from '../components/icons';
import { useScreenTitle } from '../components/use-screen-title';
import { describeAuthorizationDetails, describeScopes } from '../details/authorization-details';
import { commitmentMatches } from '../details/commitment';
import { deadlineFrom } from '../format/countdown';
import type { MessageKey } from '../i18n/i18n';
import { hrefOf } from '../router';
import type { ScreenProps } from './screen-props';
import { clientLabel } from '../format/client-label';

type Outcome = 'approved' | 'denied' | 'reported' | 'expired' | 'consumed' | 'elsewhere';
type Busy = 'approve' | 'deny' | 'not_me';

const OUTCOME_OF: Partial<Record<RequestStatus, Outcome>> = {
  approved: 'approved',
  denied: 'denied',
  expired: 'expired',
  consumed: 'consumed',
};

const OUTCOME_TEXT: Record<Exclude<Outcome, 'elsewhere'>, [MessageKey, MessageKey]> = {
  approved: ['request.approved_title', 'request.approved_body'],
  denied: ['request.denied_title', 'request.denied_body'],
  reported: ['request.reported_title', 'request.reported_body'],
  expired: ['request.expired_title', 'request.expired_body'],
  consumed: ['request.consumed_title', 'request.consumed_body'],
};

/** Only pictures the provider accepted as a logo: https or an inline image. */
const safeLogo = (uri: string | undefined) =>
  uri && (/^https:\/\//i.test(uri) || /^data:image\/(png|jpeg|gif|webp|svg\+xml)[;,]/i.test(uri)) ? uri : undefined;

/**
 * One request: who asks, the binding message (the largest thing on screen), what is
 * asked in plain words, a live countdown, and Approve (a fresh passkey assertion
 * over the request's commitment), Deny, or "This wasn't me".
 */
export function RequestScreen({ id, api, i18n, live }: ScreenProps & { id: string }) {
  const { t } = i18n;
  const [view, setView] = useState<RequestView>();
  const [deadline, setDeadline] = useState(0);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState<Busy>();
  const [outcome, setOutcome] = useState<Outcome>();
  const [changed, setChanged] = useState(false);
  const busyRef = useRef<Busy | undefined>(undefined);
  const outcomeRef = useRef<HTMLHeadingElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  busyRef.current = busy;

  const load = async () => {
    setError(undefined);
    try {
      const v = await api.request(id);
      setView(v);
      setDeadline(deadlineFrom(v.expires_in, Date.now()));
      setOutcome(OUTCOME_OF[v.status]);
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    setView(undefined);
    setOutcome(undefined);
    setChanged(false);
    void load();
  }, [id]);

  // Decided on another device, or expired at the provider, while this screen is open.
  useEffect(
    () =>
      live.subscribe((event) => {
        if (event.type !== 'request.updated' || event.update.id !== id || busyRef.current) return;
        if (event.update.status === 'pending') return;
        setView((v) => (v ? { ...v, status: event.update.status } : v));
        setOutcome((o) => o ?? (event.update.status === 'expired' ? 'expired' : 'elsewhere'));
      }),
    [id, live],
  );

  useEffect(() => {
    if (outcome) outcomeRef.current?.focus();
  }, [outcome]);

  // The loading heading, which had focus, is gone once the request arrives: focus its heading.
  const loaded = view !== undefined;
  useEffect(() => {
    if (loaded && !outcome && (!document.activeElement || document.activeElement === document.body)) {
      headingRef.current?.focus();
    }
  }, [loaded]);

  const client = view ? clientLabel(view, t('request.unnamed_client')) : '';
  const brand = brandStrings(view?.client?.branding, i18n.locale);
  const title = brand.request_title ?? t('request.title_default', { client });
  useScreenTitle(view ? title : t('app.loading'), t('app.name'));

  const decide = async (kind: Busy) => {
    if (!view) return;
    setBusy(kind);
    setError(undefined);
    setChanged(false);
    try {
      if (kind === 'approve') {
        const { public_key, commitment } = await api.approvalOptions(id);
        if (!commitmentMatches(commitment, view)) {
          setChanged(true);
          await load();
          return;
        }
        const credential = await startAuthentication({ optionsJSON: public_key });
        setView(await api.approve(id, credential));
        setOutcome('approved');
      } else {
        setView(await api.deny(id, kind === 'not_me'));
        setOutcome(kind === 'not_me' ? 'reported' : 'denied');
      }
    } catch (e) {
      setError(e);
      const kindOf = (e as { kind?: string }).kind;
      if (kindOf === 'conflict' || kindOf === 'not_found') await load();
    } finally {
      setBusy(undefined);
    }
  };

  if (!view) {
    return (
      <section class="screen" aria-labelledby="screen-title">
        <h1 id="screen-title" class="screen-title" tabIndex={-1}>
          {error ? t('requests.title') : t('app.loading')}
        </h1>
        {error !== undefined && <ErrorMessage error={error} i18n={i18n} onRetry={load} />}
        <a href={hrefOf({ name: 'requests' })}>{t('app.back_to_requests')}</a>
      </section>
    );
  }

  const theme = resolveBrandTheme(view.client?.branding);
  const style = {
    '--brand-primary': theme.primary,
    '--brand-on-primary': theme.onPrimary,
    '--brand-bg': theme.background,
    '--brand-text': theme.text,
  };
  const logo = safeLogo(view.client?.logo_uri);
  const details = describeAuthorizationDetails(view.authorization_details, i18n);
  const scopes = describeScopes(view.scope, i18n);
  const pending = view.status === 'pending' && !outcome;
  const vehicle = view.vehicle?.nickname
    ? view.vehicle.model
      ? t('request.vehicle_with_model', { nickname: view.vehicle.nickname, model: view.vehicle.model })
      : t('request.vehicle', { nickname: view.vehicle.nickname })
    : undefined;

  return (
    <section class="screen" aria-labelledby="screen-title">
      <article class="request" style={style}>
        <div class="who">
          {logo && <img src={logo} alt={t('common.logo_alt', { client })} width={48} height={48} />}
          <div>
            <h1 id="screen-title" tabIndex={-1} ref={headingRef}>
              {title}
            </h1>
            {vehicle && <p class="muted">{vehicle}</p>}
            <p class="meta muted" style={{ color: 'inherit' }}>
              {t('request.created_at', { time: i18n.dateTime(view.created_at) })}
            </p>
          </div>
        </div>

        {view.binding_message ? (
          <div class="binding">
            <p id="binding-label">{t('request.binding_label')}</p>
            <p class="code" aria-describedby="binding-label">
              {view.binding_message}
            </p>
          </div>
        ) : (
          <p class="binding">{t('request.no_binding_message')}</p>
        )}

        {(details.length > 0 || scopes.length > 0) && (
          <div class="what">
            <h2>{t('request.what_title')}</h2>
            <ul>
              {details.map((d, i) => (
                <li key={`d${i}`}>
                  <span class="detail-title">{d.title}</span>
                  {d.lines.length > 0 && (
                    <ul>
                      {d.lines.map((line, j) => (
                        <li key={j}>{line}</li>
                      ))}
                    </ul>
                  )}
                </li>
              ))}
              {scopes.map((s, i) => (
                <li key={`s${i}`}>{s}</li>
              ))}
            </ul>
          </div>
        )}

        {pending && (
          <Countdown
            key={deadline}
            deadline={deadline}
            i18n={i18n}
            onExpire={() => !busyRef.current && setOutcome((o) => o ?? 'expired')}
          />
        )}

        {changed && (
          <p class="error" role="alert">
            {t('request.changed')}
          </p>
        )}
        {error !== undefined && <ErrorMessage error={error} i18n={i18n} />}

        {pending && (
          <div class="actions">
            <button type="button" class="button" onClick={() => decide('approve')} disabled={!!busy}>
              {brand.approve_label ?? t('request.approve')}
            </button>
            <button type="button" class="button secondary" onClick={() => decide('deny')} disabled={!!busy}>
              {brand.deny_label ?? t('request.deny')}
            </button>
            <button
              type="button"
              class="button link"
              onClick={() => decide('not_me')}
              disabled={!!busy}
              aria-describedby="not-me-hint"
            >
              {t('request.not_me')}
            </button>
            <p id="not-me-hint" class="meta muted" style={{ color: 'inherit', textAlign: 'center' }}>
              {t('request.not_me_hint', { client })}
            </p>
            {busy && <p role="status">{busy === 'approve' ? t('request.approve_busy') : t('request.sending')}</p>}
          </div>
        )}

        {outcome && (
          <div class="outcome" role="status">
            <span aria-hidden="true">
              <Icon
                name={
                  outcome === 'approved' || outcome === 'consumed' ? 'check' : outcome === 'expired' ? 'clock' : 'cross'
                }
              />
            </span>
            {outcome === 'elsewhere' ? (
              <>
                <h2 ref={outcomeRef} tabIndex={-1}>
                  {t(`status.${view.status}` as MessageKey)}
                </h2>
                <p>{t('request.decided_elsewhere')}</p>
              </>
            ) : (
              <>
                <h2 ref={outcomeRef} tabIndex={-1}>
                  {t(OUTCOME_TEXT[outcome][0])}
                </h2>
                <p>{t(OUTCOME_TEXT[outcome][1], { client })}</p>
              </>
            )}
          </div>
        )}
      </article>
      {!pending && (
        <a class="button secondary" href={hrefOf({ name: 'requests' })}>
          {t('app.back_to_requests')}
        </a>
      )}
    </section>
  );
}
