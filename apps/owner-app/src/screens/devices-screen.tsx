import { useEffect, useState } from 'preact/hooks';
import type { Device, Invitation } from '../api/types';
import { ConfirmDialog } from '../components/confirm-dialog';
import { ErrorMessage } from '../components/error-message';
import { QrCode } from '../components/qr-code';
import { useScreenTitle } from '../components/use-screen-title';
import type { ScreenProps } from './screen-props';

/**
 * The owner's devices: each can be removed (its passkey stops working, its sessions
 * end); "Add a device" creates a one-time invitation shown as a link and a QR code.
 */
export function DevicesScreen({ api, i18n, onSignedOut }: ScreenProps & { onSignedOut: () => void }) {
  const { t } = i18n;
  const [devices, setDevices] = useState<Device[]>();
  const [error, setError] = useState<unknown>();
  const [confirming, setConfirming] = useState<Device>();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState('');
  const [invitation, setInvitation] = useState<Invitation>();
  const [inviting, setInviting] = useState(false);
  const [copied, setCopied] = useState(false);
  useScreenTitle(t('devices.title'), t('app.name'));

  const load = () => {
    setError(undefined);
    api.devices().then((r) => setDevices(r.devices), setError);
  };
  useEffect(load, []);

  const remove = async () => {
    const device = confirming;
    if (!device) return;
    setBusy(true);
    try {
      await api.removeDevice(device.id);
      if (device.current) return onSignedOut();
      setDone(t('devices.removed', { name: device.name }));
      setDevices((list) => list?.filter((d) => d.id !== device.id));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
      setConfirming(undefined);
    }
  };

  const invite = async () => {
    setInviting(true);
    setError(undefined);
    setCopied(false);
    try {
      setInvitation(await api.createInvitation());
    } catch (e) {
      setError(e);
    } finally {
      setInviting(false);
    }
  };

  const copy = async () => {
    if (!invitation) return;
    try {
      await navigator.clipboard.writeText(invitation.url);
      setCopied(true);
    } catch {
      // Clipboard refused (permissions): the link stays selectable on screen.
    }
  };

  return (
    <section class="screen" aria-labelledby="screen-title">
      <h1 id="screen-title" class="screen-title" tabIndex={-1}>
        {t('devices.title')}
      </h1>
      <p class="lead">{t('devices.body')}</p>
      <p role="status" class={done ? 'notice' : undefined}>
        {done}
      </p>
      {error !== undefined && <ErrorMessage error={error} i18n={i18n} onRetry={load} />}
      {devices === undefined && error === undefined && <p role="status">{t('app.loading')}</p>}
      {devices && (
        <ul class="list">
          {devices.map((d) => (
            <li key={d.id} class="card">
              <div class="row">
                <h2>{d.name}</h2>
                {d.current && <span class="pill pending">{t('devices.this_device')}</span>}
              </div>
              <p class="meta">
                {t(d.kind === 'passkey' ? 'devices.kind_passkey' : 'devices.kind_credential')} ·{' '}
                {t('devices.added', { time: i18n.dateTime(d.created_at) })}
              </p>
              {d.last_used_at && <p class="meta">{t('devices.last_used', { time: i18n.dateTime(d.last_used_at) })}</p>}
              <button
                type="button"
                class="button secondary inline"
                aria-label={t('devices.remove_named', { name: d.name })}
                onClick={() => {
                  setDone('');
                  setConfirming(d);
                }}
              >
                {t('devices.remove')}
              </button>
            </li>
          ))}
        </ul>
      )}

      {invitation ? (
        <div class="card" role="region" aria-labelledby="invitation-title">
          <h2 id="invitation-title">{t('devices.invitation_title')}</h2>
          <p>{t('devices.invitation_body')}</p>
          <QrCode text={invitation.url} label={t('devices.invitation_qr_label')} />
          <p class="meta" id="invitation-link-label">
            {t('devices.invitation_link_label')}
          </p>
          <p class="invitation-link" aria-labelledby="invitation-link-label">
            {invitation.url}
          </p>
          <p class="meta">{t('devices.invitation_expires', { time: i18n.dateTime(invitation.expires_at) })}</p>
          <button type="button" class="button secondary inline" onClick={copy}>
            {t('devices.copy_link')}
          </button>
          <p role="status">{copied ? t('devices.copied') : ''}</p>
        </div>
      ) : (
        <button type="button" class="button" onClick={invite} disabled={inviting}>
          {inviting ? t('devices.add_busy') : t('devices.add')}
        </button>
      )}

      <ConfirmDialog
        open={!!confirming}
        i18n={i18n}
        busy={busy}
        title={t('devices.remove_confirm_title', { name: confirming?.name ?? '' })}
        confirmLabel={t('devices.remove')}
        onConfirm={remove}
        onCancel={() => setConfirming(undefined)}
      >
        <p>{t('devices.remove_confirm_body')}</p>
        {confirming?.current && <p>{t('devices.remove_confirm_body_current')}</p>}
      </ConfirmDialog>
    </section>
  );
}
