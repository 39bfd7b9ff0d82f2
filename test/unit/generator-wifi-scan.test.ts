import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { buildDataSet, describeData } from '../../scripts/bench/e2e/dataset';
import { gzipRatio } from '../../src/generator/ratio';
import { DATA_KINDS, generateScan, mulberry32, SCAN_SIZES, sizeMix, type AccessPoint } from '../../src/generator/wifi-scan';
import { classify } from '../../src/pipeline/size-classes';
import { validateJson } from '../../src/pipeline/validate';

/** The information elements of an `ies` hex string: [id, body] pairs; throws when an element runs past the end. */
function elements(hex: string): Array<[number, Buffer]> {
  const bytes = Buffer.from(hex, 'hex');
  expect(bytes.toString('hex')).to.equal(hex); // even length, lowercase hex only
  const out: Array<[number, Buffer]> = [];
  for (let i = 0; i < bytes.length; ) {
    expect(i + 2, `element header at ${i} of ${bytes.length}`).to.be.at.most(bytes.length);
    const id = bytes[i];
    const len = bytes[i + 1];
    expect(i + 2 + len, `element ${id} at ${i} runs past the end`).to.be.at.most(bytes.length);
    out.push([id, bytes.subarray(i + 2, i + 2 + len)]);
    i += 2 + len;
  }
  return out;
}

describe('generator/wifi-scan', () => {
  it('mulberry32 is deterministic and in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).to.deep.equal(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...xs)).to.be.at.least(0);
    expect(Math.max(...xs)).to.be.below(1);
    expect(mulberry32(43)()).to.not.equal(mulberry32(42)());
  });

  for (const data of DATA_KINDS) {
    describe(`data set ${data}`, () => {
      for (const target of [2_000, 30_000, 30_001, 65_000, 80_000, 100_000, 120_000]) {
        it(`hits ${target} bytes exactly and stays in its size class`, () => {
          for (let seed = 0; seed < 20; seed++) {
            const scan = generateScan({ seed: seed * 1_000 + target, targetBytes: target, id: `scan-${target}`, data });
            expect(scan.length).to.equal(target);
            expect(classify(scan.length)).to.equal(classify(target));
          }
        });
      }

      it('is deterministic for a seed and differs across seeds', () => {
        const a = generateScan({ seed: 7, targetBytes: 30_000, id: 'x', data });
        expect(generateScan({ seed: 7, targetBytes: 30_000, id: 'x', data }).equals(a)).to.equal(true);
        expect(generateScan({ seed: 8, targetBytes: 30_000, id: 'x', data }).equals(a)).to.equal(false);
      });

      it('produces valid scan documents of the documented shape', () => {
        const ssids = new Set<string>();
        for (let seed = 1; seed <= 5; seed++) {
          const buf = generateScan({ seed, targetBytes: 100_000, id: `scan-${seed}`, data });
          expect(validateJson(buf, 64)).to.deep.equal({ ok: true });
          expect(buf.includes(0x0a)).to.equal(false); // no raw newline: fine for ndjson as is
          const scan = JSON.parse(buf.toString('utf8'));
          expect(Object.keys(scan)).to.deep.equal(['id', 'deviceId', 'timestamp', 'location', 'accessPoints']);
          expect(scan.id).to.equal(`scan-${seed}`);
          expect(scan.deviceId).to.match(/^dev-[0-9a-f]{16}$/);
          expect(Number.isNaN(Date.parse(scan.timestamp))).to.equal(false);
          expect(scan.location.lat).to.be.within(-90, 90);
          expect(scan.location.lon).to.be.within(-180, 180);
          expect(scan.accessPoints.length).to.be.greaterThan(50);
          for (const ap of scan.accessPoints as AccessPoint[]) {
            expect(Object.keys(ap)).to.deep.equal(['bssid', 'ssid', 'hidden', 'rssi', 'frequency', 'channelWidth', 'capabilities', 'ies']);
            expect(ap.bssid).to.match(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
            expect(ap.frequency).to.be.within(2412, 5825);
            expect(ap.rssi).to.be.within(-95, -30);
            expect([20, 40, 80, 160]).to.include(ap.channelWidth);
            expect(ap.capabilities).to.match(/^(\[[A-Z0-9+/-]+\])+$/);
            expect(ap.hidden).to.be.a('boolean');
            if (ap.hidden) expect(ap.ssid).to.equal('');
            ssids.add(ap.ssid);
          }
        }
        expect(ssids.has('')).to.equal(true);
        const nonAscii = [...ssids].some((s) => [...s].some((ch) => ch.charCodeAt(0) > 0x7f));
        expect(nonAscii).to.equal(true);
      });
    });
  }

  it('realistic: every access point carries well-formed beacon elements that agree with its fields', () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < 10; seed++) {
      const scan = JSON.parse(generateScan({ seed, targetBytes: 65_000, id: `s-${seed}` }).toString('utf8'));
      for (const ap of scan.accessPoints as AccessPoint[]) {
        const es = elements(ap.ies);
        for (const [id] of es) seen.add(id);
        const [firstId, ssid] = es[0];
        expect(firstId).to.equal(0); // the SSID element comes first
        if (ap.hidden) expect(ssid.every((b) => b === 0)).to.equal(true);
        else expect(ssid.toString('utf8')).to.equal(Buffer.from(ap.ssid, 'utf8').subarray(0, 32).toString('utf8'));
        expect(es[1][0]).to.equal(1); // supported rates
        const ds = es.find(([id]) => id === 3);
        if (ap.frequency < 5000) expect(ds?.[1][0], 'DS channel matches the frequency').to.equal(ap.frequency === 2484 ? 14 : (ap.frequency - 2407) / 5);
        const ht = es.find(([id]) => id === 61);
        expect(ht?.[1][0], 'HT operation primary channel').to.equal(ap.frequency < 5000 ? ds?.[1][0] : (ap.frequency - 5000) / 5);
        const rsn = es.find(([id]) => id === 48);
        expect(rsn === undefined, `RSN element present iff secured: ${ap.capabilities}`).to.equal(!/WPA|RSN/.test(ap.capabilities));
        if (ap.capabilities.includes('[WPS]')) expect(es.some(([id, body]) => id === 221 && body.subarray(0, 4).equals(Buffer.from([0x00, 0x50, 0xf2, 0x04])))).to.equal(true);
      }
    }
    // HT/VHT/HE capabilities, RSN, WMM/WPS/vendor, country, TIM, BSS load, RNR
    expect([...seen]).to.include.members([0, 1, 3, 5, 7, 11, 45, 48, 50, 61, 127, 191, 192, 201, 221, 255]);
  });

  it('hard: byte for byte the generator of before issue 12 (sha-256 of 400 documents from commit 99444c9)', () => {
    const h = createHash('sha256');
    for (let s = 0; s < 50; s++) {
      for (const t of [10, 200, 2_000, 30_000, 30_001, 65_000, 100_000, 120_000]) h.update(generateScan({ seed: s * 7 + t, targetBytes: t, id: `x${s}`, data: 'hard' }));
    }
    expect(h.digest('hex')).to.equal('4d007f7f31e1e6f8cea4e5c2632173eb38b914c05b628eb3a481e6f4d7678a48');
  });

  it('the benchmark data set compresses 5-7 : 1 at gzip level 6 when realistic and below 3 : 1 when hard', function () {
    this.timeout(120_000);
    const realistic = describeData(buildDataSet(10_000_000, 8, 'realistic'));
    const hard = describeData(buildDataSet(10_000_000, 8, 'hard'));
    expect(realistic.kind).to.equal('realistic');
    expect(realistic.gzip6Ratio).to.be.within(5, 7);
    expect(hard.gzip6Ratio).to.be.below(3);
  });

  it('gzipRatio compresses each message on its own', () => {
    const m = Buffer.from('{"a":"'.concat('x'.repeat(10_000), '"}'));
    expect(gzipRatio([m, m])).to.be.closeTo(gzipRatio([m]), 1e-9);
    expect(gzipRatio([Buffer.concat([m, m])])).to.be.greaterThan(gzipRatio([m]));
    expect(Number.isNaN(gzipRatio([]))).to.equal(true);
  });

  it('a target below the smallest document yields the smallest document', () => {
    for (const data of DATA_KINDS) {
      const buf = generateScan({ seed: 1, targetBytes: 10, id: 'tiny', data });
      expect(JSON.parse(buf.toString()).accessPoints).to.deep.equal([]);
    }
  });

  it('sizeMix draws only 30/65/100 KB, deterministically, with all three present', () => {
    const mix = sizeMix(300, 5);
    expect(mix).to.deep.equal(sizeMix(300, 5));
    expect(new Set(mix)).to.deep.equal(new Set(SCAN_SIZES));
    expect(mix.map(classify).filter((c) => c === 'small').length).to.be.within(60, 140);
  });
});
