import { expect } from 'chai';
import { generateScan, mulberry32, SCAN_SIZES, sizeMix } from '../../src/generator/wifi-scan';
import { classify } from '../../src/pipeline/size-classes';
import { validateJson } from '../../src/pipeline/validate';

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

  for (const target of [2_000, 30_000, 30_001, 65_000, 80_000, 100_000]) {
    it(`hits ${target} bytes (within ±2%, exactly when reachable) and stays in its size class`, () => {
      const scan = generateScan({ seed: target, targetBytes: target, id: `scan-${target}` });
      expect(Math.abs(scan.length - target)).to.be.at.most(target * 0.02);
      expect(scan.length).to.equal(target);
      expect(classify(scan.length)).to.equal(classify(target));
    });
  }

  it('is deterministic for a seed and differs across seeds', () => {
    const a = generateScan({ seed: 7, targetBytes: 30_000, id: 'x' });
    expect(generateScan({ seed: 7, targetBytes: 30_000, id: 'x' }).equals(a)).to.equal(true);
    expect(generateScan({ seed: 8, targetBytes: 30_000, id: 'x' }).equals(a)).to.equal(false);
  });

  it('produces a valid, realistic scan document', () => {
    const buf = generateScan({ seed: 1, targetBytes: 100_000, id: 'scan-1' });
    expect(validateJson(buf, 64)).to.deep.equal({ ok: true });
    expect(buf.includes(0x0a)).to.equal(false); // no raw newline: fine for ndjson as is
    const scan = JSON.parse(buf.toString('utf8'));
    expect(scan.id).to.equal('scan-1');
    expect(scan.deviceId).to.match(/^dev-[0-9a-f]{16}$/);
    expect(Number.isNaN(Date.parse(scan.timestamp))).to.equal(false);
    expect(scan.location.lat).to.be.within(-90, 90);
    expect(scan.location.lon).to.be.within(-180, 180);
    expect(scan.accessPoints.length).to.be.greaterThan(50);
    for (const ap of scan.accessPoints) {
      expect(ap.bssid).to.match(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
      expect(ap.frequency).to.be.within(2412, 5825);
      expect(ap.rssi).to.be.within(-95, -30);
      expect([20, 40, 80, 160]).to.include(ap.channelWidth);
      expect(ap.capabilities).to.match(/^(\[[A-Z0-9-]+\])+$/);
      expect(ap.hidden).to.be.a('boolean');
      if (ap.hidden) expect(ap.ssid).to.equal('');
    }
    const ssids = new Set(scan.accessPoints.map((ap: { ssid: string }) => ap.ssid));
    expect(ssids.has('')).to.equal(true);
    const nonAscii = [...ssids].some((s) => [...(s as string)].some((ch) => ch.charCodeAt(0) > 0x7f));
    expect(nonAscii).to.equal(true);
  });

  it('a target below the smallest document yields the smallest document', () => {
    const buf = generateScan({ seed: 1, targetBytes: 10, id: 'tiny' });
    expect(JSON.parse(buf.toString()).accessPoints).to.deep.equal([]);
  });

  it('sizeMix draws only 30/65/100 KB, deterministically, with all three present', () => {
    const mix = sizeMix(300, 5);
    expect(mix).to.deep.equal(sizeMix(300, 5));
    expect(new Set(mix)).to.deep.equal(new Set(SCAN_SIZES));
    expect(mix.map(classify).filter((c) => c === 'small').length).to.be.within(60, 140);
  });
});
