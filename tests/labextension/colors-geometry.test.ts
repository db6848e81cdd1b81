/** Colour mapping (contrast window, class colours, edge styling) and the overlay's geometry. */
import { contrastLut, greyToValue, hexToRgb, packRgba } from "../../labextension/src/colors";
import { edgeOpacity, edgeWidth } from "../../src/show/shared/graph-drawing";
import { AtomGrid, atomsInPolygon, boxPolygon, fitView, pointInPolygon, toImage, toScreen, zoomAt } from "../../labextension/src/geometry";
import { PALETTE } from "../../src/show/shared/schema";
import * as show from "../../src/show";

describe("colour mapping", () => {
  it("contrast window: black at or below lo, white at or above hi, linear between", () => {
    const lut = contrastLut(50, 150);
    expect(lut[0]).toBe(0);
    expect(lut[50]).toBe(0);
    expect(lut[100]).toBe(128);
    expect(lut[150]).toBe(255);
    expect(lut[255]).toBe(255);
    expect(Array.from(contrastLut(0, 255))).toEqual(Array.from({ length: 256 }, (_, i) => i));
  });
  it("maps grey levels back to data values with the payload's range", () => {
    expect(greyToValue(0, [10, 20])).toBe(10);
    expect(greyToValue(255, [10, 20])).toBe(20);
  });
  it("packs class colours for ImageData (little-endian RGBA) and rejects non-hex colours", () => {
    expect(hexToRgb("#e69f00")).toEqual([230, 159, 0]);
    const u = new Uint32Array([packRgba(230, 159, 0)]);
    expect(Array.from(new Uint8Array(u.buffer))).toEqual([230, 159, 0, 255]);
    expect(() => hexToRgb("red")).toThrow('hexToRgb: "red" is not a "#rrggbb" colour');
  });
  it("the palette is Okabe & Ito's (2008) eight colours, in order", () => {
    expect(PALETTE).toEqual(["#e69f00", "#56b4e9", "#009e73", "#f0e442", "#d55e00", "#cc79a7", "#0072b2", "#ffffff"]);
    expect(show.PALETTE).toBe(PALETTE); // one definition: the library re-exports the shared one
  });
  it("edge width grows with |weight|, opacity with confidence", () => {
    expect(edgeWidth(undefined, 2)).toBe(1.5);
    expect(edgeWidth(0, 2)).toBe(1);
    expect(edgeWidth(-2, 2)).toBe(6);
    expect(edgeWidth(1, 2)).toBe(3.5);
    expect(edgeOpacity(undefined)).toBe(1);
    expect(edgeOpacity(0)).toBeCloseTo(0.15);
    expect(edgeOpacity(1)).toBe(1);
  });
});

describe("overlay geometry", () => {
  it("fits the image in the canvas, centred", () => {
    expect(fitView(200, 100, 400, 400)).toEqual({ scale: 2, tx: 0, ty: 100 });
  });
  it("zooms about the cursor: the image point under it stays put", () => {
    const v = { scale: 1.5, tx: 10, ty: -20 };
    const [ix, iy] = toImage(v, 123, 77);
    const z = zoomAt(v, 123, 77, 2.7);
    expect(z.scale).toBeCloseTo(4.05);
    const [sx, sy] = toScreen(z, ix, iy);
    expect(sx).toBeCloseTo(123);
    expect(sy).toBeCloseTo(77);
    expect(zoomAt(v, 0, 0, 1e9, 0.1, 50).scale).toBe(50);
  });
  it("selects atoms inside a lasso polygon or a box, honouring hidden classes", () => {
    const x = [1, 5, 9, 5], y = [1, 5, 1, 9];
    const tri = [0, 0, 10, 0, 5, 6];
    expect(pointInPolygon(5, 5, tri)).toBe(true);
    expect(pointInPolygon(5, 7, tri)).toBe(false);
    expect(atomsInPolygon(x, y, tri)).toEqual([0, 1, 2]);
    expect(atomsInPolygon(x, y, tri, (i) => i !== 1)).toEqual([0, 2]);
    expect(atomsInPolygon(x, y, boxPolygon(8, 8, 4, 4))).toEqual([1]);
  });
  it("finds the nearest visible atom within reach (hover)", () => {
    const n = 10000, xs = new Float64Array(n), ys = new Float64Array(n);
    for (let i = 0; i < n; i++) { xs[i] = (i % 100) * 5 + 2; ys[i] = Math.floor(i / 100) * 5 + 2; }
    const grid = new AtomGrid(xs, ys, 500, 500, 5);
    expect(grid.nearest(2.4, 2.2, 2)).toBe(0);
    expect(grid.nearest(253, 122, 3)).toBe(24 * 100 + 50);
    expect(grid.nearest(4.5, 4.5, 1)).toBe(-1);
    expect(grid.nearest(2.4, 2.2, 6, (i) => i !== 0)).toBe(1);
  });
});
