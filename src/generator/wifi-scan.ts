/**
 * Seeded WiFi scan JSON generator for tests, the local stack and benchmarks.
 * Deterministic for a seed (no Math.random, no clock), so a checker can
 * regenerate what a producer sent. Documents land on the exact target size
 * when it is reachable (always within ±2%), so a 30,000-byte target stays in
 * the "small" size class.
 *
 * Shape (loosely Android's ScanResult):
 *   { id, deviceId, timestamp, location: { lat, lon, accuracy },
 *     accessPoints: [{ bssid, ssid, hidden, rssi, frequency, channelWidth,
 *                      capabilities, ies }] }
 * SSIDs include the empty string of hidden networks, non-ASCII names, quotes,
 * backslashes and an escaped newline, so encoders meet JSON escaping.
 */

export type Rng = () => number;

/** mulberry32: a tiny, well-mixed 32-bit PRNG (public domain, Tommy Ettinger). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ScanOptions {
  seed: number;
  /** Wanted size of the JSON document in bytes. */
  targetBytes: number;
  /** The scan's unique id (checkers use sets of ids). */
  id: string;
}

interface AccessPoint {
  bssid: string;
  ssid: string;
  hidden: boolean;
  rssi: number;
  frequency: number;
  channelWidth: number;
  capabilities: string;
  /** Raw information elements as hex; also the padding that makes sizes exact. */
  ies: string;
}

const SSIDS = [
  'HomeNet-5G', 'eduroam', 'xfinitywifi', 'Café Wi‑Fi', '東京', 'FRITZ!Box 7590 QX', 'Free WiFi 🚀',
  'Joe\'s "Guest" \\ net', 'Line\nBreak SSID', 'Москва-Гость', 'DIRECT-7f-HP LaserJet', 'NETGEAR42',
];
const CAPABILITIES = [
  '[WPA2-PSK-CCMP][ESS]', '[WPA2-PSK-CCMP][RSN-PSK-CCMP][ESS][WPS]', '[WPA2-EAP-CCMP][ESS]',
  '[RSN-SAE-CCMP][ESS]', '[ESS]', '[WPA-PSK-TKIP][WPA2-PSK-CCMP][ESS]',
];
const FREQUENCIES_24 = [2412, 2417, 2422, 2427, 2432, 2437, 2442, 2447, 2452, 2457, 2462, 2467, 2472, 2484];
const FREQUENCIES_5 = [
  5180, 5200, 5220, 5240, 5260, 5280, 5300, 5320, 5500, 5520, 5540, 5560, 5580, 5600, 5620, 5640, 5660, 5680,
  5700, 5720, 5745, 5765, 5785, 5805, 5825,
];
const HEX = '0123456789abcdef';
/** 2024-01-01T00:00:00Z; timestamps fall in the following year. */
const BASE_EPOCH_MS = Date.UTC(2024, 0, 1);

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

function int(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

function hex(rng: Rng, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += HEX[Math.floor(rng() * 16)];
  return s;
}

function bssid(rng: Rng): string {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push(hex(rng, 2));
  return parts.join(':');
}

function accessPoint(rng: Rng): AccessPoint {
  const hidden = rng() < 0.1;
  const fiveGhz = rng() < 0.55;
  return {
    bssid: bssid(rng),
    ssid: hidden || rng() < 0.05 ? '' : rng() < 0.5 ? pick(rng, SSIDS) : `AP-${hex(rng, 6)}`,
    hidden,
    rssi: int(rng, -95, -30),
    frequency: fiveGhz ? pick(rng, FREQUENCIES_5) : pick(rng, FREQUENCIES_24),
    channelWidth: fiveGhz ? pick(rng, [20, 40, 80, 160]) : pick(rng, [20, 40]),
    capabilities: pick(rng, CAPABILITIES),
    ies: hex(rng, 2 * int(rng, 0, 300)),
  };
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

/**
 * One scan document of `targetBytes` bytes: access points are added while they
 * fit, then the last one's `ies` is padded to land exactly on the target. A
 * target below the smallest possible document yields that smallest document.
 */
export function generateScan(options: ScanOptions): Buffer {
  const rng = mulberry32(options.seed);
  const accessPoints: AccessPoint[] = [];
  const scan = {
    id: options.id,
    deviceId: `dev-${hex(rng, 16)}`,
    timestamp: new Date(BASE_EPOCH_MS + Math.floor(rng() * 365 * 86_400_000)).toISOString(),
    location: {
      lat: Math.round((rng() * 180 - 90) * 1e6) / 1e6,
      lon: Math.round((rng() * 360 - 180) * 1e6) / 1e6,
      accuracy: Math.round(rng() * 500) / 10,
    },
    accessPoints,
  };
  const target = options.targetBytes;
  let total = jsonBytes(scan);
  for (;;) {
    const ap = accessPoint(rng);
    const comma = accessPoints.length > 0 ? 1 : 0;
    const cost = jsonBytes(ap) + comma;
    if (total + cost <= target) {
      accessPoints.push(ap);
      total += cost;
      continue;
    }
    const bareCost = cost - ap.ies.length;
    if (total + bareCost <= target) {
      ap.ies = hex(rng, target - total - bareCost);
      accessPoints.push(ap);
      total = target;
    }
    break;
  }
  if (total < target && accessPoints.length > 0) {
    accessPoints[accessPoints.length - 1].ies += hex(rng, target - total);
  }
  return Buffer.from(JSON.stringify(scan), 'utf8');
}

/** The payload sizes of the WiFi scan traffic: 30, 65 and 100 KB (KB = 1,000 bytes). */
export const SCAN_SIZES = [30_000, 65_000, 100_000] as const;

/** `n` sizes drawn evenly (and deterministically for `seed`) from SCAN_SIZES. */
export function sizeMix(n: number, seed: number): number[] {
  const rng = mulberry32(seed);
  const sizes: number[] = [];
  for (let i = 0; i < n; i++) sizes.push(pick(rng, SCAN_SIZES));
  return sizes;
}
