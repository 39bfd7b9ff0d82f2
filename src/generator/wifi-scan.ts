/**
 * Seeded WiFi scan JSON generator for tests, the local stack and benchmarks.
 * Deterministic for a seed (no Math.random, no clock), so a checker can
 * regenerate what a producer sent. Documents land on the exact target size
 * when it is reachable (from about 500 bytes up), so a 30,000-byte target
 * stays in the "small" size class; a smaller target yields a scan without
 * access points.
 *
 * Shape (loosely Android's ScanResult):
 *   { id, deviceId, timestamp, location: { lat, lon, accuracy },
 *     accessPoints: [{ bssid, ssid, hidden, rssi, frequency, channelWidth,
 *                      capabilities, ies }] }
 * `ies` holds the information elements as hex.
 *
 * Two data sets (`data`):
 * - `realistic` (the default): the elements of real beacons — per-chipset
 *   HT/VHT/HE capability blocks, the usual rate sets, RSN and WMM elements,
 *   WPS and vendor elements — for the devices a scan hears (home routers with
 *   a 2.4 and a 5 GHz BSS, enterprise sites with several SSIDs, hotspots,
 *   phones, printers, IoT modules; devices.ts), varying per BSS in what real
 *   scans vary in. Such JSON compresses 5–7 : 1 at gzip level 6, as real scan
 *   traffic does (issue 12; test/unit/generator-wifi-scan.test.ts checks it).
 * - `hard`: the set before issue 12, each access point padded with random hex
 *   (2.3 : 1 at level 6), byte for byte the same documents as then: the
 *   worst case for gzip, and the figures of earlier benchmark runs.
 * SSIDs include the empty string of hidden networks, non-ASCII names, quotes,
 * backslashes and an escaped newline, so encoders meet JSON escaping.
 */
import { ascii, element, hexOf, vendor, type Bytes } from './beacons';
import { accessPointOf, device, elementsOf, surroundings, type AccessPoint, type Bss, type Surroundings } from './devices';
import { hex, int, mulberry32, pick, type Rng } from './random';

export { mulberry32, type Rng } from './random';
export type { AccessPoint } from './devices';

export const DATA_KINDS = ['realistic', 'hard'] as const;
export type DataKind = (typeof DATA_KINDS)[number];

export interface ScanOptions {
  seed: number;
  /** Wanted size of the JSON document in bytes. */
  targetBytes: number;
  /** The scan's unique id (checkers use sets of ids). */
  id: string;
  /** Which data set (default `realistic`). */
  data?: DataKind;
}

/** 2024-01-01T00:00:00Z; timestamps fall in the following year. */
const BASE_EPOCH_MS = Date.UTC(2024, 0, 1);

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

/** The document without access points; both data sets draw it the same way. */
function frame(rng: Rng, id: string, accessPoints: AccessPoint[]): object {
  return {
    id,
    deviceId: `dev-${hex(rng, 16)}`,
    timestamp: new Date(BASE_EPOCH_MS + Math.floor(rng() * 365 * 86_400_000)).toISOString(),
    location: {
      lat: Math.round((rng() * 180 - 90) * 1e6) / 1e6,
      lon: Math.round((rng() * 360 - 180) * 1e6) / 1e6,
      accuracy: Math.round(rng() * 500) / 10,
    },
    accessPoints,
  };
}

/** One scan document of `targetBytes` bytes (see the file's header). */
export function generateScan(options: ScanOptions): Buffer {
  const rng = mulberry32(options.seed);
  const accessPoints: AccessPoint[] = [];
  const scan = frame(rng, options.id, accessPoints);
  if (options.data === 'hard') fillHard(rng, accessPoints, jsonBytes(scan), options.targetBytes);
  else fillRealistic(rng, accessPoints, jsonBytes(scan), options.targetBytes);
  return Buffer.from(JSON.stringify(scan), 'utf8');
}

/**
 * Bytes kept free for the last access point, which takes up the rest exactly:
 * more than its smallest form (JSON keys, BSSID, SSID, capabilities and the
 * SSID and rate elements are some 300 bytes).
 */
const LAST_AP_RESERVE = 500;

function fillRealistic(rng: Rng, accessPoints: AccessPoint[], frameBytes: number, target: number): void {
  const around = surroundings(rng);
  let total = frameBytes;
  let queue: Bss[] = [];
  for (;;) {
    if (queue.length === 0) queue = device(rng, around);
    const b = queue.shift() as Bss;
    const ap = accessPointOf(b, hexOf(elementsOf(rng, b, around)));
    const cost = jsonBytes(ap) + (accessPoints.length > 0 ? 1 : 0);
    if (total + cost + LAST_AP_RESERVE > target) break;
    accessPoints.push(ap);
    total += cost;
  }
  const comma = accessPoints.length > 0 ? 1 : 0;
  const last = lastAccessPoint(rng, around, target - total - comma);
  if (last) accessPoints.push(last);
  // Scanning apps list results strongest first, which scatters a device's BSSes over the list.
  accessPoints.sort((a, b) => b.rssi - a.rssi);
}

/** The longest body a vendor element can carry after its OUI and type (255 − 4). */
const VENDOR_ROOM = 251;

/**
 * An access point of exactly `bytes` JSON bytes, or null when even its
 * smallest form is larger. A home router's BSS with its factory SSID keeps as
 * many of its elements as fit; the rest is padding in trailing vendor elements
 * (the router's OUI, type 0xdd) whose bodies repeat the BSS's own element bytes,
 * so the padding compresses like the rest of the scan. Every element costs
 * 2 hex characters per byte, so an odd remainder is evened out by one SSID
 * character less (1 JSON byte and 2 hex characters).
 */
function lastAccessPoint(rng: Rng, around: Surroundings, bytes: number): AccessPoint | null {
  // Without WPS, so that its capabilities never claim an element that was cut.
  const b: Bss = { ...device(rng, around, true)[0], wps: null };
  const all = elementsOf(rng, b, around);
  const rsnAt = all.findIndex((e) => e[0] === 48);
  const source = all.flat();
  const oui = b.mac.slice(0, 3);
  for (let keep = all.length; keep >= 2; keep--) {
    for (const ssid of [b.ssid, b.ssid.slice(0, -1)]) {
      // Cut before its RSN element, the BSS is an open one.
      const bss: Bss = { ...b, ssid, security: rsnAt >= 0 && keep > rsnAt ? b.security : 'open' };
      const elements = [element(0, ascii(ssid)), ...all.slice(1, keep)];
      const bare = jsonBytes(accessPointOf(bss, hexOf([...elements, vendor(oui, [0xdd])])));
      const spare = bytes - bare;
      if (spare < 0 || spare % 2 !== 0) continue;
      return accessPointOf(bss, hexOf([...elements, ...padding(oui, spare / 2, source)]));
    }
  }
  return null;
}

/** Vendor elements (OUI + type 0xdd) that together are 6 + `extra` bytes long, bodies cut from `source`. */
function padding(oui: Bytes, extra: number, source: readonly number[]): Bytes[] {
  const bodies: number[] = [extra];
  // A further element costs 6 bytes of its own (id, length, OUI, type), so it needs at least that much.
  while (bodies[bodies.length - 1] > VENDOR_ROOM) {
    const over = bodies[bodies.length - 1] - VENDOR_ROOM;
    if (over < 6) {
      bodies[bodies.length - 1] = VENDOR_ROOM - (6 - over);
      bodies.push(0);
    } else {
      bodies[bodies.length - 1] = VENDOR_ROOM;
      bodies.push(over - 6);
    }
  }
  let at = 0;
  return bodies.map((n) => {
    const body: number[] = [0xdd];
    for (let i = 0; i < n; i++) body.push(source[at++ % source.length]);
    return vendor(oui, body);
  });
}

// ---- the `hard` data set: today's generator before issue 12, unchanged draw for draw ----

const HARD_SSIDS = [
  'HomeNet-5G', 'eduroam', 'xfinitywifi', 'Café Wi‑Fi', '東京', 'FRITZ!Box 7590 QX', 'Free WiFi 🚀',
  'Joe\'s "Guest" \\ net', 'Line\nBreak SSID', 'Москва-Гость', 'DIRECT-7f-HP LaserJet', 'NETGEAR42',
];
const HARD_CAPABILITIES = [
  '[WPA2-PSK-CCMP][ESS]', '[WPA2-PSK-CCMP][RSN-PSK-CCMP][ESS][WPS]', '[WPA2-EAP-CCMP][ESS]',
  '[RSN-SAE-CCMP][ESS]', '[ESS]', '[WPA-PSK-TKIP][WPA2-PSK-CCMP][ESS]',
];
const FREQUENCIES_24 = [2412, 2417, 2422, 2427, 2432, 2437, 2442, 2447, 2452, 2457, 2462, 2467, 2472, 2484];
const FREQUENCIES_5 = [
  5180, 5200, 5220, 5240, 5260, 5280, 5300, 5320, 5500, 5520, 5540, 5560, 5580, 5600, 5620, 5640, 5660, 5680,
  5700, 5720, 5745, 5765, 5785, 5805, 5825,
];

function hardBssid(rng: Rng): string {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push(hex(rng, 2));
  return parts.join(':');
}

function hardAccessPoint(rng: Rng): AccessPoint {
  const hidden = rng() < 0.1;
  const fiveGhz = rng() < 0.55;
  return {
    bssid: hardBssid(rng),
    ssid: hidden || rng() < 0.05 ? '' : rng() < 0.5 ? pick(rng, HARD_SSIDS) : `AP-${hex(rng, 6)}`,
    hidden,
    rssi: int(rng, -95, -30),
    frequency: fiveGhz ? pick(rng, FREQUENCIES_5) : pick(rng, FREQUENCIES_24),
    channelWidth: fiveGhz ? pick(rng, [20, 40, 80, 160]) : pick(rng, [20, 40]),
    capabilities: pick(rng, HARD_CAPABILITIES),
    ies: hex(rng, 2 * int(rng, 0, 300)),
  };
}

/** Access points are added while they fit, then the last one's `ies` is padded with random hex to land exactly on the target. */
function fillHard(rng: Rng, accessPoints: AccessPoint[], frameBytes: number, target: number): void {
  let total = frameBytes;
  for (;;) {
    const ap = hardAccessPoint(rng);
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
