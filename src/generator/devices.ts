/**
 * The radios a scan hears, as templates: a few chipsets (models.ts: their HT,
 * VHT and HE capability blocks and vendor elements, varied per model), and
 * brands built on them (OUIs for BSSIDs, factory SSIDs, WPS strings, which
 * elements they send). A device is one box — a home router, an access point
 * of an enterprise site, a public hotspot, a phone hotspot, a printer's Wi-Fi
 * Direct group, an IoT module — and answers with one BSS per band and SSID it
 * serves (a home router: its network on 2.4 and 5 GHz, maybe a guest
 * network), BSSIDs that differ in the last byte. What varies per BSS is what
 * varies in real scans: SSID, BSSID, channel and width, signal, DTIM count and
 * buffered-traffic bitmap, station count and utilisation, BSS colour, beacon
 * or probe response; per device: model, serial, WPS UUID.
 */
import { crc32 } from 'node:zlib';
import * as ie from './beacons';
import { modelOf, type Chip, type Model } from './models';
import { hex, int, pick, weighted, type Rng } from './random';

const ZERO_MCS_TAIL = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const HT_TAIL = [...ZERO_MCS_TAIL, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];
const CHIPS = {
  broadcom: {
    ht: [0xef, 0x19, 0x17, 0xff, 0xff, 0xff, ...HT_TAIL],
    vht: [0xb2, 0x79, 0x8b, 0x33, 0xea, 0xff, 0x00, 0x00, 0xea, 0xff, 0x00, 0x20],
    he: [0x05, 0x00, 0x18, 0x12, 0x00, 0x10, 0x22, 0x20, 0x02, 0xc0, 0x0f, 0x03, 0x95, 0x18, 0x00, 0xcc, 0x00, 0xea, 0xff, 0xea, 0xff],
    extCap: [0x04, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x40],
    elements: [[ie.OUI.broadcom, [0x02, 0x00, 0x00, 0x1c, 0x00, 0x00]]],
  },
  qualcomm: {
    ht: [0xad, 0x09, 0x1b, 0xff, 0xff, 0x00, ...HT_TAIL],
    vht: [0xb1, 0x79, 0x91, 0x33, 0xfa, 0xff, 0x0c, 0x03, 0xfa, 0xff, 0x0c, 0x03],
    he: [0x0d, 0x00, 0x0a, 0x10, 0x18, 0x00, 0x44, 0x20, 0x0e, 0x40, 0x60, 0x7b, 0x02, 0x04, 0x00, 0x40, 0x0c, 0xfa, 0xff, 0xfa, 0xff],
    extCap: [0x05, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x20],
    elements: [[ie.OUI.atheros, [0x01, 0x01, 0x00, 0x00, 0xff, 0x7f]], [ie.OUI.qualcomm, [0x01, 0x01, 0x02, 0x01, 0x00]]],
  },
  mediatek: {
    ht: [0xee, 0x19, 0x1f, 0xff, 0xff, 0x00, ...HT_TAIL],
    vht: [0x33, 0x79, 0x80, 0x33, 0xfa, 0xff, 0x00, 0x00, 0xfa, 0xff, 0x00, 0x00],
    he: [0x01, 0x00, 0x08, 0x12, 0x00, 0x10, 0x0c, 0x20, 0x02, 0xc0, 0x6f, 0x5b, 0x83, 0x18, 0x00, 0x0c, 0x00, 0xfa, 0xff, 0xfa, 0xff],
    extCap: [0x01, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x40],
    elements: [[ie.OUI.mediatek, [0x08, 0x00, 0x00, 0x00]]],
  },
  realtek: {
    ht: [0xec, 0x11, 0x17, 0xff, 0xff, 0x00, ...HT_TAIL],
    vht: [0x91, 0x59, 0x82, 0x0f, 0xfa, 0xff, 0x00, 0x00, 0xfa, 0xff, 0x00, 0x00],
    he: null,
    extCap: [0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x40],
    elements: [[ie.OUI.realtek, [0x02, 0x01, 0x20, 0x00, 0x00]]],
  },
  quantenna: {
    ht: [0x6f, 0x11, 0x1b, 0xff, 0xff, 0xff, 0xff, ...HT_TAIL.slice(1)],
    vht: [0xf2, 0x71, 0xc0, 0x0f, 0xaa, 0xff, 0x00, 0x00, 0xaa, 0xff, 0x00, 0x00],
    he: null,
    extCap: [0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x40],
    elements: [[[0x00, 0x26, 0x86], [0x01, 0x03, 0x00, 0x0f]]],
  },
  intel: {
    ht: [0xe3, 0x09, 0x17, 0xff, 0xff, 0x00, ...HT_TAIL],
    vht: [0x90, 0x01, 0x80, 0x0f, 0xfa, 0xff, 0x00, 0x00, 0xfa, 0xff, 0x00, 0x00],
    he: [0x01, 0x08, 0x00, 0x1a, 0x40, 0x00, 0x04, 0x70, 0x0c, 0x89, 0x7f, 0x03, 0x80, 0x04, 0x00, 0x00, 0x00, 0xfa, 0xff, 0xfa, 0xff],
    extCap: [0x04, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x40],
    elements: [[[0x00, 0x15, 0x17], [0x01, 0x01, 0x02]]],
  },
  espressif: {
    ht: [0x2c, 0x01, 0x03, 0xff, 0x00, 0x00, ...HT_TAIL],
    vht: null,
    he: null,
    extCap: [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40],
    elements: [],
  },
} satisfies Record<string, Chip>;

type Kind = 'home' | 'enterprise' | 'hotspot' | 'phone' | 'printer' | 'iot';

interface Brand {
  /** Names the brand's models (models.ts). */
  key: string;
  kind: Kind;
  ouis: ie.Bytes[];
  chips: Chip[];
  /** Model names (a model adds a suffix); the number of models the brand has. */
  family: readonly string[];
  models: number;
  /** The factory SSID; `tag` is six hex digits of the device. */
  ssid: (rng: Rng, tag: string) => string;
  /** WPS manufacturer, when the brand's devices send WPS. */
  wps?: string;
  elements?: ie.Bytes[];
  bands: readonly ie.Band[];
  /** The share of devices with 802.11ax (HE). */
  he: number;
  /** Sends BSS Load (ISP boxes on Broadcom firmware; controllers and hotspots always do). */
  load?: boolean;
}

const HOME_SECURITY: readonly (readonly [ie.Security, number])[] = [['wpa2-psk', 70], ['wpa2-wpa3', 15], ['wpa-wpa2-psk', 10], ['wpa3-sae', 3], ['open', 2]];
const HOME = { kind: 'home', bands: ['2.4', '5'], models: 40 } as const;

const BRANDS: readonly (readonly [Brand, number])[] = [
  [{ ...HOME, key: 'avm', ouis: [[0x3c, 0xa6, 0x2f], [0xe0, 0x28, 0x6d], [0x38, 0x10, 0xd5]], chips: [CHIPS.qualcomm, CHIPS.broadcom], family: ['FRITZ!Box 7590', 'FRITZ!Box 7530', 'FRITZ!Box 6660 Cable', 'FRITZ!Box 7490'], ssid: (rng) => `FRITZ!Box ${pick(rng, ['7590', '7530', '6660 Cable', '7490'])} ${pick(rng, ['AB', 'KZ', 'QX', 'MT', 'RB'])}`, wps: 'AVM', elements: [ie.vendor(ie.OUI.avm, [0x01, 0x01, 0x02, 0x01, 0x00, 0x00])], he: 0.4 }, 14],
  [{ ...HOME, key: 'tplink', ouis: [[0x50, 0xc7, 0xbf], [0x98, 0xda, 0xc4], [0x60, 0x32, 0xb1]], chips: [CHIPS.mediatek, CHIPS.realtek, CHIPS.broadcom], family: ['Archer C6', 'Archer AX55', 'Deco M5', 'Archer C80'], ssid: (_rng, tag) => `TP-Link_${tag.slice(0, 4).toUpperCase()}`, wps: 'TP-LINK', he: 0.3 }, 16],
  [{ ...HOME, key: 'netgear', ouis: [[0xa0, 0x40, 0xa0], [0x9c, 0x3d, 0xcf]], chips: [CHIPS.broadcom], family: ['R7000', 'RAX50', 'R6700'], ssid: (rng) => `NETGEAR${int(rng, 10, 99)}`, wps: 'NETGEAR, Inc.', he: 0.3 }, 8],
  [{ ...HOME, key: 'sagemcom', ouis: [[0x3c, 0x58, 0x5d], [0x44, 0xe9, 0xdd]], chips: [CHIPS.broadcom], family: ['Vodafone Station', 'Livebox'], ssid: (_rng, tag) => `Vodafone-${tag.slice(0, 4).toUpperCase()}`, wps: 'Sagemcom', load: true, he: 0.2 }, 10],
  [{ ...HOME, key: 'huawei', ouis: [[0x48, 0x46, 0xfb], [0x00, 0xe0, 0xfc]], chips: [CHIPS.realtek, CHIPS.mediatek], family: ['B535-232', 'HG8245H', 'AX3'], ssid: (_rng, tag) => `HUAWEI-B535-${tag.slice(0, 4).toUpperCase()}`, wps: 'Huawei Technologies Co., Ltd.', load: true, he: 0.1 }, 6],
  [{ ...HOME, key: 'arris', ouis: [[0x10, 0x56, 0x11], [0x38, 0x4c, 0x90]], chips: [CHIPS.broadcom, CHIPS.qualcomm], family: ['SBG8300', 'TG1682G', 'SURFboard'], ssid: (_rng, tag) => `MySpectrumWiFi${tag.slice(0, 2)}-${pick(_rng, ['2G', '5G'])}`, wps: 'ARRIS', load: true, he: 0.2 }, 8],
  [{ ...HOME, key: 'linksys', ouis: [[0x14, 0x91, 0x82], [0xc0, 0x56, 0x27]], chips: [CHIPS.qualcomm], family: ['EA7500', 'MR9600', 'Velop'], ssid: (rng) => `Linksys${int(rng, 10000, 99999)}`, wps: 'Linksys', he: 0.2 }, 4],
  [{ ...HOME, key: 'technicolor', ouis: [[0xe4, 0xca, 0x12], [0x80, 0xd0, 0x4a]], chips: [CHIPS.quantenna, CHIPS.broadcom], family: ['TG789vac', 'DGA4134', 'CGA4233'], ssid: (_rng, tag) => `Technicolor${tag.slice(0, 2).toUpperCase()}`, wps: 'Technicolor', load: true, he: 0.1 }, 5],
  [{ ...HOME, key: 'arcadyan', ouis: [[0x88, 0x03, 0x55], [0x7c, 0x4f, 0xb5]], chips: [CHIPS.quantenna, CHIPS.mediatek], family: ['Speedport Smart 3', 'Speedport W 724V'], ssid: (_rng, tag) => `WLAN-${tag.toUpperCase()}`, wps: 'Arcadyan', he: 0.2 }, 6],
  [{ ...HOME, key: 'asus', ouis: [[0x04, 0xd4, 0xc4], [0x2c, 0xfd, 0xa1]], chips: [CHIPS.broadcom, CHIPS.qualcomm], family: ['RT-AX88U', 'RT-AC68U', 'ZenWiFi XT8'], ssid: (_rng, tag) => `ASUS_${tag.slice(0, 2).toUpperCase()}`, wps: 'ASUSTeK Computer Inc.', he: 0.5 }, 4],
  [{ ...HOME, key: 'zte', ouis: [[0x34, 0x4b, 0x50], [0xf4, 0xb8, 0xa7]], chips: [CHIPS.realtek, CHIPS.mediatek], family: ['ZXHN H298A', 'MF286D'], ssid: (_rng, tag) => `ZTE_${tag.slice(0, 6).toUpperCase()}`, wps: 'ZTE Corporation', he: 0.1 }, 4],
  [{ ...HOME, key: 'sky', ouis: [[0x7c, 0x4c, 0xa5], [0x08, 0x36, 0xc9]], chips: [CHIPS.broadcom, CHIPS.quantenna], family: ['Sky Hub SR203', 'Sky Broadband Hub'], ssid: (_rng, tag) => `SKY${tag.slice(0, 5).toUpperCase()}`, wps: 'Sky UK Ltd', he: 0.2 }, 4],
  [{ ...HOME, key: 'eero', ouis: [[0x50, 0x27, 0xa9], [0xf8, 0xbb, 0xbf]], chips: [CHIPS.qualcomm], family: ['eero Pro 6', 'eero 6+'], ssid: (_rng, tag) => `eero-${tag.slice(0, 4)}`, he: 0.7 }, 3],
  [{ ...HOME, key: 'xiaomi', ouis: [[0x64, 0x64, 0x4a], [0x50, 0x64, 0x2b]], chips: [CHIPS.mediatek, CHIPS.qualcomm], family: ['Redmi AX6', 'Mi Router 4A'], ssid: (_rng, tag) => `Xiaomi_${tag.slice(0, 4).toUpperCase()}`, wps: 'Xiaomi', he: 0.5 }, 3],
  [{ key: 'laptop', kind: 'phone', ouis: [], chips: [CHIPS.intel], family: ['Windows Mobile Hotspot'], models: 4, ssid: (rng, tag) => pick(rng, [`DESKTOP-${tag.toUpperCase()} ${int(rng, 1000, 9999)}`, `LAPTOP-${tag.slice(0, 4).toUpperCase()}`]), bands: ['2.4', '5'], he: 0.6 }, 2],
  [{ key: 'meraki', kind: 'enterprise', ouis: [[0x0c, 0x8d, 0xdb], [0xe0, 0x55, 0x3d]], chips: [CHIPS.qualcomm], family: ['MR36', 'MR46', 'MR56'], models: 6, ssid: () => 'Corp', bands: ['2.4', '5'], he: 0.5, elements: [ie.vendor(ie.OUI.cisco, [0x03, 0x05]), ie.vendor(ie.OUI.cisco, [0x0b, 0x09]), ie.vendor(ie.OUI.cisco, [0x14, 0x01])] }, 5],
  [{ key: 'aruba', kind: 'enterprise', ouis: [[0x24, 0xde, 0xc6], [0x94, 0xb4, 0x0f]], chips: [CHIPS.broadcom, CHIPS.qualcomm], family: ['AP-315', 'AP-505', 'AP-535'], models: 6, ssid: () => 'Corp', bands: ['2.4', '5'], he: 0.5 }, 4],
  [{ key: 'ubiquiti', kind: 'enterprise', ouis: [[0xfc, 0xec, 0xda], [0x78, 0x8a, 0x20], [0x24, 0x5a, 0x4c]], chips: [CHIPS.qualcomm, CHIPS.mediatek], family: ['U6-Lite', 'UAP-AC-Pro', 'U6-LR'], models: 6, ssid: () => 'Corp', bands: ['2.4', '5'], he: 0.4, elements: [ie.vendor(ie.OUI.ubiquiti, [0x00, 0x01, 0x00, 0x00])] }, 4],
  [{ key: 'hotspot', kind: 'hotspot', ouis: [[0x10, 0x56, 0x11], [0x00, 0x1d, 0xaa]], chips: [CHIPS.broadcom], family: ['Hotspot'], models: 4, ssid: (rng) => pick(rng, ['xfinitywifi', 'Telekom_FON', 'BTWi-fi', 'Free WiFi', 'Vodafone Homespot']), bands: ['2.4', '5'], he: 0.1 }, 6],
  [{ key: 'phone', kind: 'phone', ouis: [], chips: [CHIPS.broadcom, CHIPS.qualcomm], family: ['iPhone', 'Galaxy', 'Pixel'], models: 10, ssid: (rng, tag) => pick(rng, [`${pick(rng, ['Anna', 'Joe', 'Lukas', 'Mia'])}'s iPhone`, `iPhone von ${pick(rng, ['Anna', 'Paul'])}`, `AndroidAP_${tag.slice(0, 4)}`, `Galaxy S21 5G ${tag.slice(0, 4)}`, `Pixel_${int(rng, 1000, 9999)}`]), bands: ['2.4', '5'], he: 0.5, elements: [ie.vendor(ie.OUI.apple, [0x0a, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00])] }, 6],
  [{ key: 'hp', kind: 'printer', ouis: [[0xfc, 0x3f, 0xdb], [0x3c, 0x2a, 0xf4]], chips: [CHIPS.realtek], family: ['HP LaserJet Pro M404', 'HP OfficeJet 8010', 'HP ENVY 6000'], models: 6, ssid: (rng, tag) => `DIRECT-${tag.slice(0, 2)}-HP ${pick(rng, ['LaserJet Pro M404', 'OfficeJet 8010', 'ENVY 6000', 'DeskJet 2700'])}`, wps: 'HP', bands: ['2.4'], he: 0 }, 4],
  [{ key: 'espressif', kind: 'iot', ouis: [[0x24, 0x0a, 0xc4], [0x84, 0xcc, 0xa8], [0xa4, 0xcf, 0x12]], chips: [CHIPS.espressif], family: ['ESP8266', 'ESP32'], models: 3, ssid: (rng, tag) => pick(rng, [`ESP_${tag.toUpperCase()}`, `Shelly1-${tag.toUpperCase()}`, `tasmota-${tag}`]), bands: ['2.4'], he: 0 }, 5],
];

/** Names people give their networks, with the cases an encoder must escape (quotes, backslashes, a newline, non-ASCII). */
const CUSTOM_SSIDS = [
  'HomeNet', 'Café Wi‑Fi', '東京', 'Free WiFi 🚀', 'Joe\'s "Guest" \\ net', 'Line\nBreak SSID', 'Москва-Гость', 'Pretty Fly for a WiFi',
  'The Promised LAN', 'FBI Surveillance Van 3', 'Bill Wi the Science Fi',
];
const NAMES = ['Schmidt', 'Müller', 'Rossi', 'García', 'Nguyen', 'Smith', 'Kowalski', 'Jansen', 'Dubois', 'Yilmaz', 'Anna', 'Bob', 'Lukas', 'Mia', 'Olivia', 'Noah', 'Sato', 'Kim', 'Silva', 'Novak'];
const NAME_PATTERNS: readonly ((name: string, n: number) => string)[] = [
  (name) => `${name}-WLAN`, (name) => `Casa ${name}`, (name) => `${name}'s Wi-Fi`, (name, n) => `${name}${n}`, (name) => `Familie ${name}`,
  (name) => `${name.toUpperCase()}_NET`, (_name, n) => `Wohnung ${n % 40}`, (name, n) => `${name} ${n % 10}G`, (name) => `${name}Home`,
];

/** A home network's own name: mostly a person's or a family's, sometimes one of the odd ones. */
function customSsid(rng: Rng): string {
  if (rng() < 0.15) return pick(rng, CUSTOM_SSIDS);
  return pick(rng, NAME_PATTERNS)(pick(rng, NAMES), int(rng, 1, 999));
}
const SITE_SSIDS: readonly (readonly string[])[] = [['Corp', 'Corp-Guest'], ['eduroam', 'UniGuest'], ['ACME-Staff', 'ACME-Guest', 'ACME-IoT'], ['Starbucks WiFi'], ['Hilton Honors', 'Hilton Meeting']];

const CHANNELS_24: readonly (readonly [number, number])[] = [[1, 30], [6, 30], [11, 30], [3, 3], [4, 2], [9, 3], [13, 2]];
const CHANNELS_5 = [36, 40, 44, 48, 52, 56, 60, 64, 100, 104, 108, 112, 116, 120, 124, 128, 132, 136, 140, 149, 153, 157, 161];

/** An enterprise network: its SSIDs on every access point, a network id (HESSID, mobility domain) and the channels its APs report. */
interface Site {
  brand: Brand;
  ssids: readonly string[];
  id: ie.Bytes;
  channels: readonly number[];
}

/** Per scan: where the device is (the Country element) and the enterprise networks in range. */
export interface Surroundings {
  country: ie.Country;
  sites: Site[];
}

export function surroundings(rng: Rng): Surroundings {
  const country = pick(rng, ie.COUNTRIES);
  const enterprise = BRANDS.filter(([b]) => b.kind === 'enterprise').map(([b]) => b);
  const sites = Array.from({ length: int(rng, 0, 2) }, () => ({
    brand: pick(rng, enterprise),
    ssids: pick(rng, SITE_SSIDS),
    id: Array.from({ length: 6 }, () => int(rng, 0, 255)),
    channels: CHANNELS_5.filter((c) => c >= 100 && c <= 140 && rng() < 0.4),
  }));
  return { country, sites };
}

export interface AccessPoint {
  bssid: string;
  ssid: string;
  hidden: boolean;
  rssi: number;
  frequency: number;
  channelWidth: number;
  capabilities: string;
  /** Information elements of the beacon or probe response, as hex. */
  ies: string;
}

/** One BSS a device answers with, before its elements are encoded. */
export interface Bss {
  brand: Brand;
  chip: Chip;
  model: Model;
  mac: number[];
  ssid: string;
  hidden: boolean;
  security: ie.Security;
  band: ie.Band;
  channel: number;
  width: number;
  rssi: number;
  he: boolean;
  dtimPeriod: number;
  wmmCount: number;
  wps: ie.WpsDevice | null;
  apName: string;
  /** The device's BSSes (this one too), for the Reduced Neighbor Report. */
  siblings: Bss[];
  /** The enterprise network this BSS belongs to, or null. */
  site: Site | null;
}

function channelFor(rng: Rng, band: ie.Band): { channel: number; width: number } {
  if (band === '2.4') return { channel: weighted(rng, CHANNELS_24), width: rng() < 0.2 ? 40 : 20 };
  const channel = pick(rng, CHANNELS_5);
  const width = weighted(rng, [[80, 65], [40, 15], [20, 12], [160, 8]] as const);
  return { channel, width: width === 160 && channel >= 132 ? 80 : width };
}

const modelWeights = new Map<number, (readonly [number, number])[]>();

/** A model number, the popular ones more often (weight 1/√(k+1)). */
function modelIndex(rng: Rng, count: number): number {
  let w = modelWeights.get(count);
  if (!w) {
    w = Array.from({ length: count }, (_, k) => [k, 1 / Math.sqrt(k + 1)] as const);
    modelWeights.set(count, w);
  }
  return weighted(rng, w);
}

const HOME_BRANDS = BRANDS.filter(([b]) => b.kind === 'home');
const NON_ENTERPRISE_BRANDS = BRANDS.filter(([b]) => b.kind !== 'enterprise');

function ssidsOf(rng: Rng, brand: Brand, site: Site | null, tag: string, plain: boolean): { ssid: string; security: ie.Security }[] {
  if (site) return site.ssids.map((s) => ({ ssid: s, security: /Guest|Starbucks|Hilton/.test(s) ? 'open' : s === 'ACME-IoT' ? 'wpa2-psk' : 'wpa2-eap' }));
  if (brand.kind === 'hotspot') return [{ ssid: brand.ssid(rng, tag), security: rng() < 0.7 ? 'open' : 'owe' }];
  if (brand.kind === 'home') {
    const own = !plain && rng() < 0.5 ? customSsid(rng) : brand.ssid(rng, tag);
    const ssids = [{ ssid: own, security: weighted(rng, HOME_SECURITY) }];
    if (rng() < 0.1) ssids.push({ ssid: `${own} Guest`, security: 'wpa2-psk' });
    return ssids;
  }
  return [{ ssid: brand.ssid(rng, tag), security: brand.kind === 'iot' && rng() < 0.5 ? 'open' : rng() < 0.2 ? 'wpa2-wpa3' : 'wpa2-psk' }];
}

/**
 * The BSSes of one device in range, on its brand's and model's templates.
 * `plain`: a home router with its factory SSID, visible (ASCII, nothing to
 * escape), which the generator uses to land a document on its exact size.
 */
export function device(rng: Rng, around: Surroundings, plain = false): Bss[] {
  const site = !plain && around.sites.length > 0 && rng() < 0.3 ? pick(rng, around.sites) : null;
  const brand = site?.brand ?? weighted(rng, plain ? HOME_BRANDS : NON_ENTERPRISE_BRANDS);
  const m = modelIndex(rng, brand.models);
  const chip = brand.chips[m % brand.chips.length];
  const model = modelOf(brand.key, m, chip, brand.family);
  // Phones randomise their hotspot MAC (locally administered bit set).
  const oui = brand.ouis.length > 0 ? [...pick(rng, brand.ouis)] : [(int(rng, 0, 63) << 2) | 0x02, int(rng, 0, 255), int(rng, 0, 255)];
  const mac = [...oui, int(rng, 0, 255), int(rng, 0, 255), int(rng, 0, 255) & 0xf0];
  const tag = hex(rng, 6);
  const wps: ie.WpsDevice | null =
    brand.wps !== undefined && (brand.kind === 'printer' || rng() < 0.6)
      ? { uuid: Array.from({ length: 16 }, () => int(rng, 0, 255)), manufacturer: brand.wps, modelName: model.name, modelNumber: model.number, serial: hex(rng, 12), deviceName: model.name }
      : null;
  const he = chip.he !== null && rng() < brand.he;
  const dtimPeriod = brand.kind === 'enterprise' ? 1 : pick(rng, [1, 2, 3]);
  const wmmCount = int(rng, 0, 15);
  const rssi = int(rng, -90, -35);
  const apName = `AP-${int(rng, 100, 999)}-${hex(rng, 4).toUpperCase()}`;
  const ssids = ssidsOf(rng, brand, site, tag, plain);
  const bands = brand.bands.filter((b) => b === '2.4' || rng() < 0.5);
  const out: Bss[] = [];
  for (const band of bands) {
    const { channel, width } = channelFor(rng, band);
    for (const s of ssids) {
      const hidden = !plain && rng() < 0.06;
      const bssMac = [...mac];
      bssMac[5] |= out.length;
      out.push({
        brand, chip, model, mac: bssMac, ssid: hidden ? '' : s.ssid, hidden, security: s.security, band, channel, width,
        rssi: Math.max(-95, rssi - (band === '5' ? int(rng, 3, 9) : 0) + int(rng, -2, 2)),
        he, dtimPeriod, wmmCount, wps: s === ssids[0] ? wps : null, apName, siblings: out, site,
      });
    }
  }
  return out;
}

/** The elements of one BSS's beacon or probe response, in frame-body order (§9.3.3.2, §9.3.3.10). */
export function elementsOf(rng: Rng, b: Bss, around: Surroundings): ie.Bytes[] {
  const e: ie.Bytes[] = [];
  const kind = b.brand.kind;
  const m = b.model;
  const rates = b.band === '5' ? ie.RATES.ofdm5 : kind === 'enterprise' ? ie.RATES.gOnly : b.chip === CHIPS.espressif ? ie.RATES.bg : ie.RATES.bgBasic11;
  // Some hidden networks send the SSID's length in zero bytes rather than an empty SSID.
  e.push(ie.element(0, b.hidden ? (rng() < 0.5 ? [] : new Array<number>(int(rng, 4, 16)).fill(0)) : ie.ascii(b.ssid).slice(0, 32)));
  e.push(ie.element(1, rates.rates));
  if (b.band === '2.4') e.push(ie.element(3, [b.channel]));
  // A probe response carries no TIM; a beacon's bitmap shows the stations with frames buffered.
  const probeResponse = rng() < 0.4;
  if (!probeResponse) e.push(ie.tim(int(rng, 0, b.dtimPeriod - 1), b.dtimPeriod, rng() < 0.3 ? Array.from({ length: int(rng, 1, 4) }, () => int(rng, 0, 255)) : []));
  if (kind !== 'iot' && kind !== 'phone') e.push(ie.countryElement(around.country, b.band));
  if (kind === 'enterprise') e.push(ie.element(32, [0x00]));
  if (m.tpc) e.push(ie.tpcReport(int(rng, 8, 23)));
  if (b.band === '2.4') e.push(ie.element(42, [rng() < 0.15 ? 0x04 : 0x00]));
  if (rates.ext.length > 0) e.push(ie.element(50, rates.ext));
  const rsn = ie.rsn(b.security);
  if (rsn) e.push(rsn);
  if (b.security === 'wpa3-sae' || b.security === 'wpa2-wpa3') e.push(ie.RSNXE_H2E);
  if (kind === 'enterprise' || kind === 'hotspot' || b.brand.load || m.load) e.push(ie.bssLoad(int(rng, 0, 40), int(rng, 0, 255)));
  if (b.site) e.push(ie.element(54, [b.site.id[0], b.site.id[1], 0x01]));
  if (probeResponse && kind !== 'iot') e.push(ie.supportedOperatingClasses(b.band, b.channel));
  e.push(m.ht, ie.htOperation(b.channel, b.width, pick(rng, [0x00, 0x00, 0x04, 0x06, 0x11, 0x15, 0x13])));
  if (b.site && b.band === '5') e.push(ie.element(51, [121, ...b.site.channels]));
  if (m.rm || kind === 'enterprise') e.push(ie.element(70, m.rm ?? [0x73, 0xd0, 0x00, 0x00, 0x0c]));
  e.push(m.extCap);
  if (kind === 'hotspot' || b.site) e.push(ie.element(107, [kind === 'hotspot' ? 0x13 : 0x10, ...(b.site?.id ?? b.mac)]));
  if (kind === 'hotspot') e.push(ie.element(108, [0x7f, 0x00]), ie.element(111, [0x00, 0x03, 0x50, 0x6f, 0x9a]));
  if (b.band === '5' && m.vht) {
    e.push(m.vht, ie.vhtOperation(b.channel, b.width));
    if (kind === 'enterprise') e.push(ie.element(195, [0x02, 0x3c, 0x3c, 0x3c]));
  }
  if (b.he && m.he) {
    const others = b.siblings.filter((o) => o !== b && o.band !== b.band);
    if (others.length > 0) e.push(ie.reducedNeighbourReport(others.map((o) => ({ tbttOffset: int(rng, 1, 254), band: o.band, channel: o.channel, bssid: o.mac, ssid: o.ssid })), crc32));
    e.push(m.he, ie.heOperation(int(rng, 1, 63)), ie.extension(38, [0x08, 0xa4, 0x08, 0x20, 0xa4, 0x08, 0x40, 0x43, 0x08, 0x60, 0x32, 0x08]), ie.extension(39, [0x05, 0x00]));
  }
  if (b.security === 'wpa-wpa2-psk') e.push(ie.WPA_TKIP_CCMP);
  const wmm = ie.wmm(b.wmmCount, kind !== 'iot', m.wmmAcs);
  if (!m.wmmLast) e.push(wmm);
  if (b.wps) e.push(ie.wps(b.wps, probeResponse));
  if (b.brand.key === 'aruba') e.push(ie.vendor(ie.OUI.aruba, [0x01, 0x03, ...ie.ascii(b.apName)]));
  if (kind === 'hotspot') e.push(ie.vendor(ie.OUI.wfa, [0x10, 0x10]));
  e.push(...m.elements, ...(b.brand.elements ?? []));
  if (m.wmmLast) e.push(wmm);
  return e;
}

function macText(mac: readonly number[]): string {
  return mac.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export function accessPointOf(b: Bss, ies: string): AccessPoint {
  return {
    bssid: macText(b.mac),
    ssid: b.ssid,
    hidden: b.hidden,
    rssi: b.rssi,
    frequency: ie.frequencyOf(b.band, b.channel),
    channelWidth: b.width,
    capabilities: ie.CAPABILITIES[b.security] + (b.wps ? '[WPS]' : ''),
    ies,
  };
}
