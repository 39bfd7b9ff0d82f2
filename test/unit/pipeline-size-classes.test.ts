import { expect } from 'chai';
import { addToSizeClasses, classify, emptySizeClasses, mergeSizeClasses } from '../../src/pipeline/size-classes';

describe('pipeline/size-classes', () => {
  const table: Array<[number, string]> = [
    [0, 'small'],
    [1, 'small'],
    [30_000, 'small'],
    [30_001, 'medium'],
    [65_000, 'medium'],
    [80_000, 'medium'],
    [80_001, 'large'],
    [100_000, 'large'],
    [1_024_001, 'large'],
  ];
  for (const [bytes, want] of table) {
    it(`classifies ${bytes} bytes as ${want}`, () => expect(classify(bytes)).to.equal(want));
  }

  it('accumulates counts and bytes per class', () => {
    const c = emptySizeClasses();
    for (const b of [10, 30_000, 30_001, 90_000, 100_000]) addToSizeClasses(c, b);
    expect(c).to.deep.equal({
      small: { count: 2, bytes: 30_010 },
      medium: { count: 1, bytes: 30_001 },
      large: { count: 2, bytes: 190_000 },
    });
    expect(mergeSizeClasses(c, c).large).to.deep.equal({ count: 4, bytes: 380_000 });
    expect(emptySizeClasses()).to.not.equal(emptySizeClasses());
  });
});
