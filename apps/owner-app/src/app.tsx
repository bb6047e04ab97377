import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError } from './api/api-error';
import { EVENTS_URL, createApi } from './api/client';
import type { Session } from './api/types';
import { ErrorMessage } from './components/error-message';
import { Icon, type IconName } from './components/icons';
import type { I18n } from './i18n/i18n';
import { connectLive, type LiveEvents, type LiveState } from './live/live-events';
import { hrefOf, isPublic, parseRoute, type Route } from './router';
import { DevicesScreen } from './screens/devices-screen';
import { EnrolScreen } from './screens/enrol-screen';
import { HistoryScreen } from './screens/history-screen';
import { RequestScreen } from './screens/request-screen';
import { RequestsScreen } from './screens/requests-screen';
import { SettingsScreen } from './screens/settings-screen';
import { clientLabel } from './format/client-label';
import { SignInScreen } from './screens/sign-in-screen';
import { VehiclesScreen } from './screens/vehicles-screen';

const TABS: Array<{
  route: Route;
  icon: IconName;
  label: 'nav.requests' | 'nav.history' | 'nav.vehicles' | 'nav.devices' | 'nav.settings';
}> = [
  { route: { name: 'requests' }, icon: 'requests', label: 'nav.requests' },
  { route: { name: 'history' }, icon: 'history', label: 'nav.history' },
  { route: { name: 'vehicles' }, icon: 'vehicles', label: 'nav.vehicles' },
  { route: { name: 'devices' }, icon: 'devices', label: 'nav.devices' },
  { route: { name: 'settings' }, icon: 'settings', label: 'nav.settings' },
];

const NO_LIVE: LiveEvents = { subscribe: () => () => undefined };

/**
 * The shell: hash routing, the session (checked once, dropped on any 401), the live
 * channel while signed in, the offline notice, and focus moved to each new screen's
 * heading so a screen reader starts there.
 */
export function App({ i18n }: { i18n: I18n }) {
  const { t } = i18n;
  const [route, setRoute] = useState<Route>(() => parseRoute(location.hash));
  // undefined: not known yet; null: signed out.
  const [session, setSession] = useState<Session | null>();
  const [sessionError, setSessionError] = useState<unknown>();
  const [online, setOnline] = useState(() => navigator.onLine);
  const [liveState, setLiveState] = useState<LiveState>('closed');
  const [live, setLive] = useState<LiveEvents>(NO_LIVE);
  const [announcement, setAnnouncement] = useState('');
  const api = useMemo(() => createApi({ onSignedOut: () => setSession(null) }), []);
  const firstRender = useRef(true);

  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    const onOnline = () => setOnline(navigator.onLine);
    addEventListener('hashchange', onHash);
    addEventListener('online', onOnline);
    addEventListener('offline', onOnline);
    // The service worker asks to open a request when its notification is tapped.
    const onMessage = (e: MessageEvent) => {
      const data = e.data as { type?: string; request_id?: string } | undefined;
      if (data?.type === 'open-request' && data.request_id)
        location.hash = hrefOf({ name: 'request', id: data.request_id });
    };
    navigator.serviceWorker?.addEventListener('message', onMessage);
    return () => {
      removeEventListener('hashchange', onHash);
      removeEventListener('online', onOnline);
      removeEventListener('offline', onOnline);
      navigator.serviceWorker?.removeEventListener('message', onMessage);
    };
  }, []);

  const checkSession = () => {
    setSessionError(undefined);
    api.session().then(setSession, (e) => {
      if (e instanceof ApiError && e.kind === 'signed_out') setSession(null);
      else setSessionError(e);
    });
  };
  useEffect(() => {
    if (route.name !== 'enrol') checkSession();
  }, []);

  // One live channel while signed in; a new request is announced politely on any screen.
  useEffect(() => {
    if (!session) return;
    const channel = connectLive(EVENTS_URL, setLiveState);
    const unsubscribe = channel.subscribe((event) => {
      if (event.type === 'request.created') {
        const r = event.request;
        setAnnouncement(t('app.new_request_announcement', { client: clientLabel(r, t('request.unnamed_client')) }));
      }
    });
    setLive(channel);
    return () => {
      unsubscribe();
      channel.close();
      setLive(NO_LIVE);
    };
  }, [session?.device.id]);

  // Each new screen starts at its heading (not on first load: the page starts at the top anyway).
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    requestAnimationFrame(() => document.querySelector<HTMLElement>('main h1')?.focus());
  }, [route, session === null]);

  const signedOut = () => {
    setSession(null);
    location.hash = hrefOf({ name: 'sign-in' });
  };
  const signedIn = (s: Session) => {
    setSession(s);
    if (route.name === 'sign-in') location.hash = hrefOf({ name: 'requests' });
  };
  const enrolled = () => {
    // The enrol screen already replaced the spent token in the URL (no hashchange follows).
    location.hash = hrefOf({ name: 'requests' });
    setRoute({ name: 'requests' });
    checkSession();
  };

  let screen;
  if (route.name === 'enrol') {
    screen = <EnrolScreen key={route.token} token={route.token} api={api} i18n={i18n} onEnrolled={enrolled} />;
  } else if (session === null) {
    screen = <SignInScreen api={api} i18n={i18n} onSignedIn={signedIn} />;
  } else if (session === undefined) {
    screen = (
      <section class="screen" aria-labelledby="screen-title">
        <h1 id="screen-title" class="screen-title" tabIndex={-1}>
          {t('app.tagline')}
        </h1>
        {sessionError !== undefined ? (
          <ErrorMessage error={sessionError} i18n={i18n} onRetry={checkSession} />
        ) : (
          <p role="status">{t('app.loading')}</p>
        )}
      </section>
    );
  } else {
    const props = { api, i18n, live, session };
    switch (route.name) {
      case 'sign-in':
      case 'requests':
        screen = <RequestsScreen {...props} />;
        break;
      case 'request':
        screen = <RequestScreen key={route.id} {...props} id={route.id} />;
        break;
      case 'history':
        screen = <HistoryScreen {...props} />;
        break;
      case 'vehicles':
        screen = <VehiclesScreen {...props} />;
        break;
      case 'devices':
        screen = <DevicesScreen {...props} onSignedOut={signedOut} />;
        break;
      case 'settings':
        screen = <SettingsScreen {...props} onSignedOut={signedOut} />;
        break;
      default:
        screen = (
          <section class="screen" aria-labelledby="screen-title">
            <h1 id="screen-title" class="screen-title" tabIndex={-1}>
              {t('app.not_found_title')}
            </h1>
            <p>{t('app.not_found_body')}</p>
            <a href={hrefOf({ name: 'requests' })}>{t('app.back_to_requests')}</a>
          </section>
        );
    }
  }

  // navigator.onLine only knows about the phone's own link: an unreachable provider counts too.
  const offline = !online || (sessionError instanceof ApiError && sessionError.kind === 'offline');
  const showNav = !!session && !isPublic(route);
  const current = route.name === 'request' ? 'requests' : route.name;
  return (
    <>
      <header class="app-header">
        <span style={{ color: 'var(--primary)' }}>
          <Icon name="shield" />
        </span>
        <span class="brand">{t('app.name')}</span>
      </header>
      {offline && (
        <p class="banner" role="status">
          {t('app.offline')}
        </p>
      )}
      {!offline && session && liveState === 'reconnecting' && (
        <p class="banner" role="status">
          {t('app.live_reconnecting')}
        </p>
      )}
      <main id="main">{screen}</main>
      <p class="visually-hidden" aria-live="polite">
        {announcement}
      </p>
      {showNav && (
        <nav class="tabbar" aria-label={t('nav.label')}>
          {TABS.map((tab) => (
            <a key={tab.label} href={hrefOf(tab.route)} aria-current={current === tab.route.name ? 'page' : undefined}>
              <span>
                <Icon name={tab.icon} />
              </span>
              <span>{t(tab.label)}</span>
            </a>
          ))}
        </nav>
      )}
    </>
  );
}
