/**
 * Models: the many firmware builds on a few chipsets. Real scans hear dozens
 * of router models, and each model's beacons carry the same capability blocks
 * every time while two models of one chipset differ in a few capability bits,
 * A-MPDU parameters, MCS maps, extended capabilities, WMM parameters and the
 * version bytes of the chip vendor's element. A model here is its chipset's
 * template with such differences drawn once from a seed fixed by (brand,
 * model number): the same model is the same bytes in every scan of every data
 * set, as in the field.
 */
import * as ie from './beacons';
import { mulberry32, pick, int, type Rng } from './random';

/** A chipset's templates (bodies, before the element header), and which bytes firmware builds change. */
export interface Chip {
  /** HT Capabilities (45) body, §9.4.2.55: capability info, A-MPDU parameters, MCS set, extended, TxBF, ASEL. */
  ht: ie.Bytes;
  /** VHT Capabilities (191) body, §9.4.2.157: capability info, RX/TX MCS maps and highest rates. */
  vht: ie.Bytes | null;
  /** HE Capabilities (extension 35) body, §9.4.2.248: MAC and PHY capability info, MCS-NSS sets. */
  he: ie.Bytes | null;
  /** Extended Capabilities (127) body. */
  extCap: ie.Bytes;
  /** The chip vendor's element bodies (after OUI); the last byte of each is a firmware version. */
  elements: readonly (readonly [ie.Bytes, ie.Bytes])[];
}

export interface Model {
  ht: ie.Bytes;
  vht: ie.Bytes | null;
  he: ie.Bytes | null;
  extCap: ie.Bytes;
  wmmAcs: ie.Bytes;
  elements: ie.Bytes[];
  /** Sends a TPC Report and BSS Load (firmware choices). */
  tpc: boolean;
  load: boolean;
  /** RM Enabled Capabilities (70) body, when the build supports 802.11k. */
  rm: ie.Bytes | null;
  /** Builds order their vendor elements differently: true puts WMM after the others. */
  wmmLast: boolean;
  /** WPS model name and number. */
  name: string;
  number: string;
}

/** Firmware-dependent bytes: capability info, A-MPDU parameters, the TX MCS field, extended HT capabilities, TxBF. */
const HT_VARIABLE = [0, 1, 2, 15, 19, 20, 21, 22, 23];
const VHT_VARIABLE = [0, 1, 2, 3, 4, 6, 8, 10, 11];
const HE_VARIABLE = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
const EXT_CAP_VARIABLE = [0, 2, 3, 4, 7, 8, 9, 10];
const MCS_MAPS = [[0xfa, 0xff], [0xea, 0xff], [0xaa, 0xff], [0xfe, 0xff]];
const WMM_ACS: readonly ie.Bytes[] = [ie.WMM_DEFAULT_ACS, ie.WMM_ENTERPRISE_ACS, [0x03, 0xa4, 0x00, 0x00, 0x27, 0xa4, 0x00, 0x00, 0x42, 0x43, 0x5e, 0x00, 0x62, 0x32, 0x2f, 0x00].map((b, i) => (i === 1 ? 0xa5 : b))];

/** `base` with each byte at `positions` changed (one to three bits) with probability `p`. */
function vary(rng: Rng, base: ie.Bytes, positions: readonly number[], p: number): number[] {
  const out = [...base];
  for (const i of positions) {
    if (i < out.length && rng() < p) out[i] ^= (1 << int(rng, 0, 7)) | (rng() < 0.5 ? 1 << int(rng, 0, 7) : 0);
  }
  return out;
}

/** Chip generations per chipset vendor (an 802.11n, ac wave 1, ac wave 2, ax part …), each with its own capability bytes. */
const GENERATIONS = 6;
const generations = new WeakMap<Chip, Chip[]>();

function generationOf(chip: Chip, g: number): Chip {
  let list = generations.get(chip);
  if (!list) {
    list = [];
    for (let k = 0; k < GENERATIONS; k++) {
      const rng = mulberry32(Math.imul(chip.ht[0] * 256 + chip.ht[2] + 1, 0x01000193) ^ (k * 0x9e3779b9));
      list.push({
        ht: vary(rng, chip.ht, HT_VARIABLE, 1),
        vht: chip.vht && vary(rng, chip.vht, VHT_VARIABLE, 1),
        he: chip.he && vary(rng, chip.he, HE_VARIABLE, 1),
        extCap: vary(rng, chip.extCap, EXT_CAP_VARIABLE, 1),
        elements: chip.elements.map(([oui, body]) => [oui, vary(rng, body, body.map((_, i) => i), 0.6)] as const),
      });
    }
    generations.set(chip, list);
  }
  return list[g];
}

function buildModel(rng: Rng, base: Chip, family: readonly string[]): Model {
  const chip = generationOf(base, int(rng, 0, GENERATIONS - 1));
  const ht = vary(rng, chip.ht, HT_VARIABLE, 0.7);
  let vht: number[] | null = null;
  if (chip.vht) {
    vht = vary(rng, chip.vht, VHT_VARIABLE, 0.7);
    const map = pick(rng, MCS_MAPS);
    vht.splice(4, 2, ...map);
    vht.splice(8, 2, ...map);
  }
  let he: number[] | null = null;
  if (chip.he) {
    he = vary(rng, chip.he, HE_VARIABLE, 0.7);
    // PPE thresholds (§9.4.2.248.5), present on some builds.
    if (rng() < 0.5) for (let i = int(rng, 4, 7); i > 0; i--) he.push(int(rng, 0, 255));
  }
  const extCap = vary(rng, [...chip.extCap, ...new Array<number>(Math.max(0, int(rng, 8, 11) - chip.extCap.length)).fill(0)], EXT_CAP_VARIABLE, 0.7);
  const elements = chip.elements.map(([oui, body]) => ie.vendor(oui, [...body.slice(0, -1), int(rng, 0, 255)]));
  const name = `${pick(rng, family)}${pick(rng, ['', ' v2', ' Pro', ' Plus', ' AX', ' 5G'])}`;
  return {
    ht: ie.element(45, ht),
    vht: vht && ie.element(191, vht),
    he: he && ie.extension(35, he),
    extCap: ie.element(127, extCap),
    wmmAcs: pick(rng, WMM_ACS),
    elements,
    tpc: rng() < 0.4,
    load: rng() < 0.4,
    rm: rng() < 0.5 ? vary(rng, [0x73, 0xd0, 0x00, 0x00, 0x0c], [0, 1, 2, 3, 4], 0.7) : null,
    wmmLast: rng() < 0.5,
    name,
    number: `${int(rng, 1, 9)}.${int(rng, 0, 9)}`,
  };
}

const models = new Map<string, Model>();

/** Model `index` of a brand (named by `key`) on `chip`; built once per process, the same for every seed. */
export function modelOf(key: string, index: number, chip: Chip, family: readonly string[]): Model {
  const id = `${key}/${index}`;
  let m = models.get(id);
  if (!m) {
    let seed = 0x9e3779b9 ^ index;
    for (let i = 0; i < key.length; i++) seed = Math.imul(seed ^ key.charCodeAt(i), 0x01000193);
    m = buildModel(mulberry32(seed), chip, family);
    models.set(id, m);
  }
  return m;
}
