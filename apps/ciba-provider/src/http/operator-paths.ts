import { PATHS } from '@onboard/ciba-core';

/** The admin API and the Prometheus metrics: what ADMIN_PORT moves to the operator listener. */
export function isOperatorPath(path: string): boolean {
  return path === PATHS.metrics || path === PATHS.admin || path.startsWith(`${PATHS.admin}/`);
}
