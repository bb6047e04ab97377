import { createPrometheusMetrics } from './prometheus-metrics';

describe('createPrometheusMetrics', () => {
  it('exports requests, outcomes and duration histograms in seconds in the Prometheus text format', async () => {
    const metrics = createPrometheusMetrics({
      durations: {
        approval_to_token_seconds: 'Approval to tokens',
        notification_delivery_seconds: 'Enqueue to delivery',
      },
    });
    metrics.httpRequest('/token', 'POST', 400, 0.003);
    metrics.outcome('token', 'authorization_pending');
    metrics.outcome('token', 'authorization_pending');
    metrics.observe('approval_to_token_seconds', 0.012);
    metrics.observe('notification_delivery_seconds', 0.007);
    metrics.observe('not_declared_seconds', 1);
    const { contentType, body } = await metrics.render();
    expect(contentType).toContain('text/plain');
    expect(body).toContain('onboard_http_requests_total{route="/token",method="POST",status="400"} 1');
    expect(body).toContain('onboard_outcomes_total{endpoint="token",outcome="authorization_pending"} 2');
    expect(body).toContain('onboard_approval_to_token_seconds_count 1');
    expect(body).toContain('onboard_notification_delivery_seconds_sum 0.007');
    expect(body).toContain('onboard_http_request_duration_seconds_bucket{le="0.005",route="/token",method="POST"} 1');
    expect(body).toContain('onboard_http_request_duration_seconds_bucket{le="0.002",route="/token",method="POST"} 0');
    expect(body).not.toMatch(/_ms\b|_ms_|not_declared/);
  });

  it('counts limit events by limit and event', async () => {
    const metrics = createPrometheusMetrics();
    metrics.limit('user_code_owner', 'locked');
    expect((await metrics.render()).body).toContain(
      'onboard_limit_events_total{limit="user_code_owner",event="locked"} 1',
    );
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
