// The operator-managed certificates' settings (src/operator/cert-rotation.ts), without its dependencies: the CLI parses its
// flags with these before the operator's module graph is loaded.
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** cert-controller's defaults (pkg/rotator/rotator.go). */
export const CERT_DEFAULTS = {
  caValidityMs: 10 * 365 * DAY,
  certValidityMs: 365 * DAY,
  renewBefore: { ms: 90 * DAY } as RenewBefore,
  checkIntervalMs: 12 * HOUR,
  bundlePropagationMs: 30_000,
};
export type RenewBefore = { ms: number } | { fraction: number };

/** "2160h" (a Go duration) or "50%" (of each certificate's validity) → RenewBefore; undefined when neither. */
export function parseRenewBefore(raw: string, parseDuration: (s: string) => number | undefined): RenewBefore | undefined {
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(raw.trim());
  if (pct) {
    const fraction = Number(pct[1]) / 100;
    return fraction > 0 && fraction < 1 ? { fraction } : undefined;
  }
  const ms = parseDuration(raw.trim());
  return ms !== undefined && ms > 0 ? { ms } : undefined;
}

/** KEDA's SANs for one Service (certificate_manager.go getDNSNames): name, name.ns, name.ns.svc, name.ns.svc.<domain>. */
export function serviceDnsNames(services: string[], namespace: string, clusterDomain: string): string[] {
  const names = services.flatMap((s) => [s, `${s}.${namespace}`, `${s}.${namespace}.svc`, `${s}.${namespace}.svc.${clusterDomain}`]);
  return [...new Set(names)];
}
