import { createPrometheusMetrics } from './prometheus-metrics';

describe('createPrometheusMetrics', () => {
  it('exports requests, outcomes and latency histograms in the Prometheus text format', async () => {
    const metrics = createPrometheusMetrics();
    metrics.httpRequest('/token', 'POST', 400, 3);
    metrics.outcome('token', 'authorization_pending');
    metrics.outcome('token', 'authorization_pending');
    metrics.observe('approval_to_token_ms', 12);
    metrics.observe('notification_delivery_ms', 7);
    const { contentType, body } = await metrics.render();
    expect(contentType).toContain('text/plain');
    expect(body).toContain('onboard_http_requests_total{route="/token",method="POST",status="400"} 1');
    expect(body).toContain('onboard_outcomes_total{endpoint="token",outcome="authorization_pending"} 2');
    expect(body).toContain('onboard_approval_to_token_ms_count 1');
    expect(body).toContain('onboard_notification_delivery_ms_sum 7');
    expect(body).toContain('onboard_http_request_duration_ms_bucket{le="5",route="/token",method="POST"} 1');
  });

  it('keeps the series of two instances apart', async () => {
    const a = createPrometheusMetrics();
    const b = createPrometheusMetrics();
    a.outcome('backchannel', 'accepted');
    expect((await a.render()).body).toContain('outcome="accepted"} 1');
    expect((await b.render()).body).not.toContain('outcome="accepted"');
  });

  it('adds the process metrics when asked', async () => {
    const metrics = createPrometheusMetrics({ processMetrics: true });
    expect((await metrics.render()).body).toContain('onboard_process_cpu_user_seconds_total');
  });
});
