/**
 * Information elements as a beacon carries them (IEEE 802.11-2020 §9.4.2;
 * element IDs in Table 9-92), each a function from a few parameters to the
 * element's bytes: id, length, body. The generator's `ies` field is their
 * hex, in the order of the Beacon frame body (§9.3.3.2, Table 9-32), so a
 * scan's bytes repeat the way real ones do: the same rate sets, HT/VHT/HE
 * capability blocks, RSN suites and vendor elements over and over, with the
 * SSID, channel, DTIM count, station count, BSS colour and the like varying
 * per access point.
 */

export type Bytes = readonly number[];

/** One element: id, length, body (the body is at most 255 bytes). */
export function element(id: number, body: Bytes): number[] {
  if (body.length > 255) throw new RangeError(`element ${id}: body of ${body.length} bytes`);
  return [id, body.length, ...body];
}

/** An element of the extension space (id 255, §9.4.2.1), e.g. HE Capabilities (35). */
export function extension(extId: number, body: Bytes): number[] {
  return element(255, [extId, ...body]);
}

/** A Vendor Specific element (221): the organization's OUI, then its own bytes. */
export function vendor(oui: Bytes, body: Bytes): number[] {
  return element(221, [...oui, ...body]);
}

export function ascii(s: string): number[] {
  return [...Buffer.from(s, 'utf8')];
}

export function hexOf(elements: readonly Bytes[]): string {
  let n = 0;
  for (const e of elements) n += e.length;
  const out = Buffer.allocUnsafe(n);
  let at = 0;
  for (const e of elements) for (let i = 0; i < e.length; i++) out[at++] = e[i];
  return out.toString('hex');
}

export const OUI = {
  ieee: [0x00, 0x0f, 0xac],
  microsoft: [0x00, 0x50, 0xf2],
  wfa: [0x50, 0x6f, 0x9a],
  broadcom: [0x00, 0x10, 0x18],
  atheros: [0x00, 0x03, 0x7f],
  qualcomm: [0x8c, 0xfd, 0xf0],
  mediatek: [0x00, 0x0c, 0xe7],
  realtek: [0x00, 0xe0, 0x4c],
  cisco: [0x00, 0x40, 0x96],
  aruba: [0x00, 0x0b, 0x86],
  apple: [0x00, 0x17, 0xf2],
  avm: [0x00, 0x04, 0x0e],
  ubiquiti: [0x00, 0x15, 0x6d],
  espressif: [0x18, 0xfe, 0x34],
} as const;

/** Supported Rates (1) and Extended Supported Rates (50) sets, in 500 kb/s units, basic rates with bit 7 set. */
export const RATES = {
  bg: { rates: [0x82, 0x84, 0x8b, 0x96, 0x0c, 0x12, 0x18, 0x24], ext: [0x30, 0x48, 0x60, 0x6c] },
  bgBasic11: { rates: [0x82, 0x84, 0x8b, 0x96, 0x24, 0x30, 0x48, 0x6c], ext: [0x0c, 0x12, 0x18, 0x60] },
  /** 802.11b rates disabled, as enterprise controllers configure 2.4 GHz. */
  gOnly: { rates: [0x8c, 0x12, 0x98, 0x24, 0xb0, 0x48, 0x60, 0x6c], ext: [] },
  ofdm5: { rates: [0x8c, 0x12, 0x98, 0x24, 0xb0, 0x48, 0x60, 0x6c], ext: [] },
} as const;

export type Security = 'open' | 'owe' | 'wpa2-psk' | 'wpa-wpa2-psk' | 'wpa2-wpa3' | 'wpa3-sae' | 'wpa2-eap';

/** Android's ScanResult.capabilities for each security profile (WifiScanner's flags string). */
export const CAPABILITIES: Record<Security, string> = {
  open: '[ESS]',
  owe: '[RSN-OWE-CCMP][ESS]',
  'wpa2-psk': '[WPA2-PSK-CCMP][RSN-PSK-CCMP][ESS]',
  'wpa-wpa2-psk': '[WPA-PSK-CCMP+TKIP][WPA2-PSK-CCMP+TKIP][RSN-PSK-CCMP+TKIP][ESS]',
  'wpa2-wpa3': '[WPA2-PSK-CCMP][RSN-PSK+SAE-CCMP][ESS]',
  'wpa3-sae': '[RSN-SAE-CCMP][ESS]',
  'wpa2-eap': '[WPA2-EAP/SHA1-CCMP][RSN-EAP/SHA1-CCMP][ESS]',
};

const CCMP = [...OUI.ieee, 0x04];
const TKIP = [...OUI.ieee, 0x02];
const AKM = { eap: [...OUI.ieee, 0x01], psk: [...OUI.ieee, 0x02], sae: [...OUI.ieee, 0x08], owe: [...OUI.ieee, 0x12] };

/** RSN (48), §9.4.2.24: version 1, group cipher, pairwise ciphers, AKMs, capabilities (MFP capable/required). */
export function rsn(security: Security): number[] | null {
  const le16 = (n: number): number[] => [n & 0xff, n >> 8];
  const body = (group: Bytes, pairwise: Bytes[], akms: Bytes[], caps: number): number[] => [
    0x01, 0x00, ...group, ...le16(pairwise.length), ...pairwise.flat(), ...le16(akms.length), ...akms.flat(), ...le16(caps),
  ];
  switch (security) {
    case 'open':
      return null;
    case 'owe':
      return element(48, body(CCMP, [CCMP], [AKM.owe], 0x00c0));
    case 'wpa2-psk':
      return element(48, body(CCMP, [CCMP], [AKM.psk], 0x000c));
    case 'wpa-wpa2-psk':
      return element(48, body(TKIP, [CCMP, TKIP], [AKM.psk], 0x0000));
    case 'wpa2-wpa3':
      return element(48, body(CCMP, [CCMP], [AKM.psk, AKM.sae], 0x008c));
    case 'wpa3-sae':
      return element(48, body(CCMP, [CCMP], [AKM.sae], 0x00cc));
    case 'wpa2-eap':
      return element(48, body(CCMP, [CCMP], [AKM.eap], 0x0028));
  }
  return security satisfies never;
}

/** The WPA element of WPA/WPA2 mixed mode (Microsoft OUI, type 1). */
export const WPA_TKIP_CCMP = vendor(OUI.microsoft, [
  0x01, 0x01, 0x00, 0x00, 0x50, 0xf2, 0x02, 0x02, 0x00, 0x00, 0x50, 0xf2, 0x04, 0x00, 0x50, 0xf2, 0x02, 0x01, 0x00, 0x00, 0x50, 0xf2, 0x02,
]);

/** WMM Parameter element (Microsoft OUI, type 2, subtype 1): QoS info, then AC_BE, AC_BK, AC_VI, AC_VO records. */
export function wmm(parameterSetCount: number, uapsd: boolean, acs: Bytes = WMM_DEFAULT_ACS): number[] {
  return vendor(OUI.microsoft, [0x02, 0x01, 0x01, (uapsd ? 0x80 : 0) | (parameterSetCount & 0x0f), 0x00, ...acs]);
}
export const WMM_DEFAULT_ACS = [0x03, 0xa4, 0x00, 0x00, 0x27, 0xa4, 0x00, 0x00, 0x42, 0x43, 0x5e, 0x00, 0x62, 0x32, 0x2f, 0x00];
export const WMM_ENTERPRISE_ACS = [0x03, 0xa4, 0x00, 0x00, 0x27, 0xa4, 0x00, 0x00, 0x42, 0x43, 0xbc, 0x00, 0x62, 0x32, 0x66, 0x00];

export interface WpsDevice {
  uuid: Bytes;
  manufacturer: string;
  modelName: string;
  modelNumber: string;
  serial: string;
  deviceName: string;
}

/**
 * WPS (Microsoft OUI, type 4; Wi-Fi Simple Configuration 2.0 §8.2.4 and §12:
 * type-length-value attributes with 16-bit fields). A beacon carries the
 * short form (state, UUID-E, RF bands), a probe response the device strings too.
 */
export function wps(d: WpsDevice, probeResponse: boolean): number[] {
  const attr = (type: number, value: Bytes): number[] => [type >> 8, type & 0xff, value.length >> 8, value.length & 0xff, ...value];
  if (!probeResponse) {
    return vendor(OUI.microsoft, [
      0x04, ...attr(0x104a, [0x10]), ...attr(0x1044, [0x02]), ...attr(0x1047, d.uuid), ...attr(0x103c, [0x03]), ...attr(0x1049, [0x00, 0x37, 0x2a, 0x00, 0x01, 0x20]),
    ]);
  }
  return vendor(OUI.microsoft, [
    0x04,
    ...attr(0x104a, [0x10]), // version 1.0 (2.0 is in the vendor extension)
    ...attr(0x1044, [0x02]), // configured
    ...attr(0x103b, [0x03]), // response type: AP
    ...attr(0x1047, d.uuid),
    ...attr(0x1021, ascii(d.manufacturer)),
    ...attr(0x1023, ascii(d.modelName)),
    ...attr(0x1024, ascii(d.modelNumber)),
    ...attr(0x1042, ascii(d.serial)),
    ...attr(0x1054, [0x00, 0x06, 0x00, 0x50, 0xf2, 0x04, 0x00, 0x01]), // primary device type: network infrastructure, AP
    ...attr(0x1011, ascii(d.deviceName)),
    ...attr(0x1008, [0x20, 0x08]), // config methods
    ...attr(0x1049, [0x00, 0x37, 0x2a, 0x00, 0x01, 0x20]), // WFA vendor extension: version 2.0
  ]);
}

export type Band = '2.4' | '5';

export function frequencyOf(band: Band, channel: number): number {
  if (band === '5') return 5000 + 5 * channel;
  return channel === 14 ? 2484 : 2407 + 5 * channel;
}

/** Centre channel of the 80 or 160 MHz block holding `channel` (5 GHz, §21.3.14 / Annex E), for VHT Operation. */
export function centreChannel(channel: number, width: number): number {
  if (width === 160) return channel < 100 ? 50 : 114;
  if (width === 80) {
    const blocks = [36, 52, 100, 116, 132, 149];
    const start = blocks.filter((b) => channel >= b).pop() ?? 36;
    return start + 6;
  }
  if (width === 40) return isLowerOf40(channel) ? channel + 2 : channel - 2;
  return channel;
}

/** For 40 MHz: true when the secondary channel is above (5 GHz pairs 36/40, 44/48, …; 2.4 GHz channels 1–7). */
export function isLowerOf40(channel: number): boolean {
  if (channel < 15) return channel <= 7;
  return channel >= 149 ? (channel - 149) % 8 === 0 : (channel - 36) % 8 === 0;
}

/** HT Operation (61), §9.4.2.56: primary channel, secondary offset and STA channel width, the protection field (mode, non-greenfield and OBSS non-HT STAs present), basic MCS set. */
export function htOperation(channel: number, width: number, protection: number): number[] {
  const subset1 = width >= 40 ? (isLowerOf40(channel) ? 0x05 : 0x07) : 0x00;
  return element(61, [channel, subset1, protection, 0x00, 0x00, ...new Array<number>(17).fill(0)]);
}

/** VHT Operation (192), §9.4.2.158: channel width, centre segments, basic VHT-MCS set. */
export function vhtOperation(channel: number, width: number): number[] {
  const wide = width >= 80;
  const seg0 = wide ? centreChannel(channel, width === 160 ? 80 : width) : 0;
  const seg1 = width === 160 ? centreChannel(channel, 160) : 0;
  return element(192, [wide ? 0x01 : 0x00, seg0, seg1, 0xfc, 0xff]);
}

/** HE Operation (extension 36), §9.4.2.249: parameters, BSS colour (1–63, per BSS), basic HE-MCS set. */
export function heOperation(colour: number): number[] {
  return extension(36, [0xf4, 0x01, 0x00, colour & 0x3f, 0xfc, 0xff]);
}

/** TIM (5), §9.4.2.5: DTIM count and period, bitmap control, the partial virtual bitmap (a zero byte when nothing is buffered). */
export function tim(dtimCount: number, dtimPeriod: number, bitmap: Bytes): number[] {
  return element(5, [dtimCount, dtimPeriod, bitmap.length > 0 ? 0x01 : 0x00, ...(bitmap.length > 0 ? bitmap : [0x00])]);
}

/** BSS Load (11), §9.4.2.27: station count, channel utilisation (of 255), available admission capacity. */
export function bssLoad(stations: number, utilisation: number): number[] {
  return element(11, [stations & 0xff, stations >> 8, utilisation, 0x00, 0x00]);
}

export interface Country {
  code: string;
  band24: Bytes;
  band5: Bytes;
}

/** Country (7), §9.4.2.9: the code, environment ' ', then (first channel, count, max dBm) triplets, padded to even. */
export function countryElement(c: Country, band: Band): number[] {
  const body = [...ascii(c.code), 0x20, ...(band === '5' ? c.band5 : c.band24)];
  if (body.length % 2 === 1) body.push(0x00);
  return element(7, body);
}

export const COUNTRIES: readonly Country[] = [
  { code: 'US', band24: [1, 11, 30], band5: [36, 4, 23, 52, 4, 24, 100, 12, 24, 149, 5, 30] },
  { code: 'DE', band24: [1, 13, 20], band5: [36, 4, 23, 52, 4, 23, 100, 11, 30] },
  { code: 'GB', band24: [1, 13, 20], band5: [36, 4, 23, 52, 4, 23, 100, 11, 30] },
  { code: 'FR', band24: [1, 13, 20], band5: [36, 4, 23, 52, 4, 23, 100, 11, 30] },
  { code: 'JP', band24: [1, 14, 20], band5: [36, 4, 20, 52, 4, 20, 100, 12, 23] },
  { code: 'CA', band24: [1, 11, 30], band5: [36, 4, 23, 52, 4, 24, 100, 12, 24, 149, 5, 30] },
];

/** The global operating class of a channel (Annex E, Table E-4), 20 MHz. */
export function operatingClass(band: Band, channel: number): number {
  if (band === '2.4') return 81;
  if (channel <= 48) return 115;
  if (channel <= 64) return 118;
  if (channel <= 144) return 121;
  return 124;
}

export interface Neighbour {
  /** Time units (1,024 µs) from this beacon to the neighbour's, 1–254. */
  tbttOffset: number;
  band: Band;
  channel: number;
  bssid: Bytes;
  ssid: string;
}

/**
 * Reduced Neighbor Report (201), §9.4.2.170: one neighbour AP information
 * field per co-located BSS, with a 13-byte TBTT information field (TBTT
 * offset unknown, BSSID, short SSID = CRC-32 of the SSID, BSS parameters,
 * 20 MHz PSD).
 */
export function reducedNeighbourReport(neighbours: readonly Neighbour[], crc32: (s: string) => number): number[] {
  const body: number[] = [];
  for (const n of neighbours) {
    const short = crc32(n.ssid) >>> 0;
    body.push(0x00, 0x0d, operatingClass(n.band, n.channel), n.channel, n.tbttOffset, ...n.bssid, short & 0xff, (short >>> 8) & 0xff, (short >>> 16) & 0xff, short >>> 24, 0x4e, 0xee);
  }
  return element(201, body);
}

/** Supported Operating Classes (59), §9.4.2.53: the current class, then those the AP can switch to. */
export function supportedOperatingClasses(band: Band, channel: number): number[] {
  const all = band === '5' ? [115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130] : [81, 83, 84];
  return element(59, [operatingClass(band, channel), ...all]);
}

/** TPC Report (35), §9.4.2.16: the transmit power (dBm) of this frame, link margin 0. */
export function tpcReport(dbm: number): number[] {
  return element(35, [dbm, 0x00]);
}

/** RSN Extension (244), §9.4.2.241: SAE hash-to-element supported (WPA3 networks). */
export const RSNXE_H2E = element(244, [0x20]);
