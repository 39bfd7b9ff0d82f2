/**
 * Bounded label values shared by the rooms that observe: health names its probe
 * groups and certificate stores with them, metrics labels series with them.
 * Neither room owns them, so neither imports the other (issue 15).
 */

/** The health groups, as probes and as metric labels (wsqc_health_probe_up{probe}). */
export type ProbeLabel = 'liveness' | 'readiness';

/** The TLS material a certificate was read from (wsqc_certificate_expiry_days{store}). */
export type CertificateStore = 'keystore' | 'truststore';
