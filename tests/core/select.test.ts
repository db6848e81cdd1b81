/**
 * Quantiles and medians (src/core/select.ts) against NumPy 2.4.6. The
 * constants were printed by:
 *   .venv/bin/python -c "import numpy as np
 *   a=np.array([3.5,-1,2,7.25,0,2,10,-4.5,6,1.125]); qs=[0,0.1,0.25,0.3,0.5,0.66,0.75,0.9,0.99,1]
 *   print([repr(float(v)) for v in np.quantile(a,qs)])
 *   b=np.array([((i*7919)%1009)/7-50 for i in range(1001)]); print([repr(float(v)) for v in np.quantile(b,qs)])
 *   print(repr(float(np.median(b))), repr(float(np.median(b[:1000]))), repr(float(np.median(a))))
 *   c=np.array([1.0,np.nan,3.0,2.0,np.nan,10.0]); print(repr(float(np.nanquantile(c,0.3))), repr(float(np.nanmedian(c))))"
 * quickselect itself is tested against sorting in tests/atoms/quickselect.test.ts.
 */
import { quantile, quantiles, quantilesInPlace, median, quickselect } from "../../src/core/select";

const QS = [0, 0.1, 0.25, 0.3, 0.5, 0.66, 0.75, 0.9, 0.99, 1];
const A = [3.5, -1, 2, 7.25, 0, 2, 10, -4.5, 6, 1.125];
const B = Array.from({ length: 1001 }, (_, i) => ((i * 7919) % 1009) / 7 - 50);

describe("quantiles (numpy np.quantile, method linear)", () => {
  it("equal numpy bit for bit on a short array", () => {
    expect(Array.from(quantiles(A, QS))).toEqual([-4.5, -1.3499999999999999, 0.28125, 0.7874999999999996, 2.0, 3.4100000000000006, 5.375, 7.524999999999999, 9.752500000000001, 10.0]);
  });
  it("equal numpy bit for bit on 1001 values (sampling recursion of the selection)", () => {
    expect(Array.from(quantiles(B, QS))).toEqual([-50.0, -35.57142857142857, -13.857142857142854, -6.714285714285715, 22.14285714285714, 45.14285714285714, 58.0, 79.57142857142858, 92.57142857142858, 94.0]);
  });
  it("median equals np.median for odd and even lengths", () => {
    expect(median(B)).toBe(22.14285714285714);
    expect(median(B.slice(0, 1000))).toBe(22.214285714285715);
    expect(median(A)).toBe(2.0);
  });
  it("skip NaN like np.nanquantile / np.nanmedian; no values give NaN", () => {
    const c = [1, NaN, 3, 2, NaN, 10];
    expect(quantile(c, 0.3)).toBe(1.9);
    expect(median(c)).toBe(2.5);
    expect(median([])).toBeNaN();
    expect(quantile([NaN], 0.5)).toBeNaN();
  });
  it("keep Float32 input in Float32 and leave the input untouched", () => {
    const f = Float32Array.from(A);
    expect(quantile(f, 0.5)).toBe(2);
    expect(Array.from(f)).toEqual(A.map(Math.fround));
  });
  it("quantilesInPlace gives the same numbers", () => {
    expect(Array.from(quantilesInPlace(Float64Array.from(B), QS))).toEqual(Array.from(quantiles(B, QS)));
  });
  it("name a quantile outside [0, 1] and a bad selection index", () => {
    expect(() => quantiles(A, [0.5, 1.5])).toThrow(/q\[1\] must be in \[0, 1\], got 1.5/);
    expect(() => quantile(A, NaN)).toThrow(/must be in \[0, 1\]/);
    expect(() => quickselect(new Float32Array(2), 2)).toThrow(/k must be an integer index in \[0, 2\)/);
  });
});
