/** atoms.matchAtoms: mutual-nearest-neighbour matching and its scores on hand-made point sets with known answers. */
import { atoms, table } from "causalscope";

const { matchAtoms } = atoms;

describe("atoms.matchAtoms", () => {
  it("matches mutual nearest neighbours within the tolerance and scores them", () => {
    const truth = { x: [10, 20, 30, 40], y: [10, 10, 10, 10] };
    // 3 found: two near truth 0 (only the nearer counts), one near truth 2, one far away
    const found = table({ x: [10.3, 11.5, 30, 70], y: [9.6, 10, 10.4, 70] });
    const m = matchAtoms(found, truth, { tolerance: 2 });
    expect(m.pairs).toEqual([[0, 0], [2, 2]]);
    expect([m.truePositives, m.falsePositives, m.falseNegatives]).toEqual([2, 2, 2]);
    expect(m.precision).toBe(0.5);
    expect(m.recall).toBe(0.5);
    expect(m.f1).toBe(0.5);
    expect(m.dx[0]).toBeCloseTo(0.3, 12);
    expect(m.dy[0]).toBeCloseTo(-0.4, 12);
    expect(m.rms).toBeCloseTo(Math.sqrt((0.25 + 0.16) / 2), 12);
    expect(m.rmsPerAxis).toBeCloseTo(Math.sqrt((0.25 + 0.16) / 4), 12);
  });

  it("does not pair a found point with a true point that has a nearer one, nor beyond the tolerance", () => {
    // found at 14.9 is nearest to truth 10's search (within 6) but its own nearest true point is 20
    const m = matchAtoms({ x: [15.1], y: [0] }, { x: [10, 20], y: [0, 0] }, { tolerance: 6 });
    expect(m.pairs).toEqual([[0, 1]]);
    expect(matchAtoms({ x: [13], y: [0] }, { x: [10], y: [0] }, { tolerance: 2.9 }).truePositives).toBe(0);
    expect(matchAtoms({ x: [], y: [] }, { x: [10], y: [0] }, { tolerance: 1 })).toMatchObject({ precision: 0, recall: 0, f1: 0, falseNegatives: 1 });
  });

  it("ignores points near the border, and a found point matching only an ignored true point is not a false positive", () => {
    const truth = { x: [2, 50, 97], y: [50, 50, 50] };
    const found = { x: [3, 50.5, 95], y: [50, 50, 50] }; // 95 is inside the box, its true point 97 is not
    const m = matchAtoms(found, truth, { tolerance: 3, excludeBorder: 5, width: 100, height: 100 });
    expect([m.truePositives, m.falsePositives, m.falseNegatives]).toEqual([1, 0, 0]);
    expect(m.precision).toBe(1);
    const all = matchAtoms(found, truth, { tolerance: 3 });
    expect(all.truePositives).toBe(3);
  });

  it("rejects bad input naming the argument", () => {
    expect(() => matchAtoms({ x: [1], y: [1] }, { x: [1], y: [1] }, { tolerance: 0 })).toThrow(/matchAtoms: options.tolerance must be a finite distance > 0/);
    expect(() => matchAtoms({ x: [1], y: [1] }, { x: [1], y: [1] }, { tolerance: 1, excludeBorder: 4 })).toThrow(/options.width and options.height must be the image size/);
    expect(() => matchAtoms({ x: [1, NaN], y: [1, 2] }, { x: [1], y: [1] }, { tolerance: 1 })).toThrow(/matchAtoms: found point 1 has non-finite coordinates/);
    expect(() => matchAtoms({ x: [1], y: [1] }, { x: [1, 2], y: [1] }, { tolerance: 1 })).toThrow(/truth must be a Table with numeric columns x, y or \{ x, y \} arrays of equal length/);
  });
});
