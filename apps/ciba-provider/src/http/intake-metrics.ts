import { Gauge } from 'prom-client';
import type { PrometheusMetrics } from '@onboard/platform';
import type { IntakeGate } from './admission';
import type { IntakePacer } from './intake-pacer';

/**
 * Prometheus gauges of intake admission, read when /metrics is scraped (nothing is
 * recorded per request): `onboard_intake_running`, `onboard_intake_waiting` and
 * `onboard_intake_pacing_rate` (admissions per second allowed now: +Inf while the
 * provider is not busy enough to pace; absent with INTAKE_PACING=off).
 */
export function registerIntakeGauges(metrics: PrometheusMetrics, gate: IntakeGate, pacer?: IntakePacer): void {
  const registers = [metrics.registry];
  new Gauge({
    name: 'onboard_intake_running',
    help: 'Backchannel and registration requests being served now',
    registers,
    collect() {
      this.set(gate.active);
    },
  });
  new Gauge({
    name: 'onboard_intake_waiting',
    help: 'Backchannel and registration requests waiting for admission',
    registers,
    collect() {
      this.set(gate.queued);
    },
  });
  if (!pacer) return;
  new Gauge({
    name: 'onboard_intake_pacing_rate',
    help: 'Intake admissions per second allowed now (+Inf while the provider is not busy enough to pace)',
    registers,
    collect() {
      this.set(pacer.rate);
    },
  });
}
