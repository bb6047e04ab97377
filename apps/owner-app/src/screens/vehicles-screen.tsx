import { useEffect, useState } from 'preact/hooks';
import type { Vehicle } from '../api/types';
import { ConfirmDialog } from '../components/confirm-dialog';
import { ErrorMessage } from '../components/error-message';
import { useScreenTitle } from '../components/use-screen-title';
import type { ScreenProps } from './screen-props';

/** Paired vehicles (clients holding live tokens for the owner), each with "Unpair". */
export function VehiclesScreen({ api, i18n }: ScreenProps) {
  const { t } = i18n;
  const [vehicles, setVehicles] = useState<Vehicle[]>();
  const [error, setError] = useState<unknown>();
  const [confirming, setConfirming] = useState<Vehicle>();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState('');
  useScreenTitle(t('vehicles.title'), t('app.name'));

  const load = () => {
    setError(undefined);
    api.vehicles().then((r) => setVehicles(r.vehicles), setError);
  };
  useEffect(load, []);

  const unpair = async () => {
    if (!confirming) return;
    setBusy(true);
    try {
      await api.unpairVehicle(confirming.client_id);
      setDone(t('vehicles.unpaired', { nickname: confirming.nickname }));
      setVehicles((list) => list?.filter((v) => v.client_id !== confirming.client_id));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
      setConfirming(undefined);
    }
  };

  return (
    <section class="screen" aria-labelledby="screen-title">
      <h1 id="screen-title" class="screen-title" tabIndex={-1}>
        {t('vehicles.title')}
      </h1>
      <p class="lead">{t('vehicles.body')}</p>
      <p role="status" class={done ? 'notice' : undefined}>
        {done}
      </p>
      {error !== undefined && <ErrorMessage error={error} i18n={i18n} onRetry={load} />}
      {vehicles === undefined && error === undefined && <p role="status">{t('app.loading')}</p>}
      {vehicles?.length === 0 && <p class="card">{t('vehicles.empty')}</p>}
      {vehicles && vehicles.length > 0 && (
        <ul class="list">
          {vehicles.map((v) => (
            <li key={v.client_id} class="card">
              <h2>{v.nickname}</h2>
              {v.model && <p>{v.model}</p>}
              <p class="meta">{t('vehicles.paired_at', { time: i18n.dateTime(v.paired_at) })}</p>
              {v.last_active_at && (
                <p class="meta">{t('vehicles.last_active', { time: i18n.dateTime(v.last_active_at) })}</p>
              )}
              <button
                type="button"
                class="button secondary inline"
                aria-label={t('vehicles.unpair_named', { nickname: v.nickname })}
                onClick={() => {
                  setDone('');
                  setConfirming(v);
                }}
              >
                {t('vehicles.unpair')}
              </button>
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog
        open={!!confirming}
        i18n={i18n}
        busy={busy}
        title={t('vehicles.unpair_confirm_title', { nickname: confirming?.nickname ?? '' })}
        confirmLabel={t('vehicles.unpair')}
        onConfirm={unpair}
        onCancel={() => setConfirming(undefined)}
      >
        <p>{t('vehicles.unpair_confirm_body')}</p>
      </ConfirmDialog>
    </section>
  );
}
