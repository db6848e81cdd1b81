/**
 * Colouring atoms by a column (colour maps against matplotlib's tables, the
 * default map and range, the payload's colorBy), marker stamps (outline,
 * filled, per-class shapes) and the static PNG drawing them (with the
 * uncertainty ellipses).
 */
import { PNG } from "pngjs";
import { makeImage } from "../../src/image/image";
import { MIME_BUNDLE } from "../../src/display/mime";
import * as show from "../../src/show";
import { colorMapHex, colorMapRgb, colorPosition, defaultColorMap, defaultColorRange, wheelRgb } from "../../src/show/shared/colormap";
import { covarianceEllipse, markerPath, markerStamp } from "../../src/show/shared/markers";
import { parseAtomsPayload } from "../../src/show/shared/schema";

describe("colour maps", () => {
  it("match matplotlib 3.11's viridis, RdBu_r and twilight within 2/255 between anchors", () => {
    // matplotlib.colormaps[name](t)[:3] * 255, rounded
    const ref: [Parameters<typeof colorMapRgb>[0], number, number[]][] = [
      ["sequential", 0.1, [72, 36, 117]], ["sequential", 0.37, [45, 113, 142]], ["sequential", 0.5, [33, 145, 140]], ["sequential", 0.83, [142, 214, 69]],
      ["diverging", 0.1, [32, 101, 171]], ["diverging", 0.37, [189, 219, 234]], ["diverging", 0.5, [247, 246, 246]], ["diverging", 0.83, [203, 73, 66]],
      ["cyclic", 0.1, [166, 191, 202]], ["cyclic", 0.37, [90, 46, 147]], ["cyclic", 0.5, [47, 20, 54]], ["cyclic", 0.83, [198, 135, 107]],
    ];
    for (const [map, t, rgb] of ref) {
      const got = colorMapRgb(map, t);
      got.forEach((v, c) => expect(Math.abs(v - rgb[c])).toBeLessThanOrEqual(2));
    }
    expect(colorMapHex("sequential", 0)).toBe("#440154");
    expect(colorMapHex("sequential", 1)).toBe("#fde725");
    expect(colorMapHex("sequential", 7)).toBe("#fde725"); // clamped
    expect(colorMapRgb("cyclic", 0)).toEqual(colorMapRgb("cyclic", 1));
    expect(colorMapRgb("sequential", NaN)).toEqual([128, 128, 128]);
  });

  it("cyclic positions wrap around; others do not", () => {
    expect(colorPosition(Math.PI / 2 + 2 * Math.PI, [-Math.PI, Math.PI], "cyclic")).toBeCloseTo(0.75);
    expect(colorPosition(-Math.PI / 2, [-Math.PI, Math.PI], "cyclic")).toBeCloseTo(0.25);
    expect(colorPosition(15, [0, 10], "sequential")).toBeCloseTo(1.5);
  });

  it("chooses diverging for values on both sides of zero and a symmetric range; cyclic takes radians", () => {
    expect(defaultColorMap([0.1, 0.5, 2])).toBe("sequential");
    expect(defaultColorMap([-0.1, 0, 2])).toBe("diverging");
    expect(defaultColorRange([-0.1, NaN, 2], "diverging")).toEqual([-2, 2]);
    expect(defaultColorRange([3, 1, NaN, 2], "sequential")).toEqual([1, 3]);
    expect(defaultColorRange([0.2, 3], "cyclic")).toEqual([-Math.PI, Math.PI]);
    expect(defaultColorRange([0.2, 5], "cyclic")).toEqual([0, 2 * Math.PI]);
    expect(defaultColorRange([10, 300], "cyclic")).toBeNull();
    expect(defaultColorRange([NaN], "sequential")).toBeNull();
  });

  it("the vector wheel: hue from the direction, brightness from the length", () => {
    expect(wheelRgb(0, 1)).toEqual([255, 0, 0]);
    expect(wheelRgb((2 * Math.PI) / 3, 1)).toEqual([0, 255, 0]);
    expect(wheelRgb(-(2 * Math.PI) / 3, 0.5)).toEqual([0, 0, 128]);
    expect(wheelRgb(1.2, 0)).toEqual([0, 0, 0]);
  });
});

describe("marker stamps", () => {
  const has = (offs: Int16Array, dx: number, dy: number) => {
    for (let j = 0; j < offs.length; j += 2) if (offs[j] === dx && offs[j + 1] === dy) return true;
    return false;
  };
  it("an outline leaves the centre open, a filled marker covers it; the rim lies outside the body", () => {
    const o = markerStamp("circle", "outline", 6, 2);
    expect(has(o.body, 0, 0)).toBe(false);
    expect(has(o.rim, 0, 0)).toBe(false);
    expect(has(o.body, 6, 0) && has(o.body, 5, 0)).toBe(true);
    expect(has(o.body, 4, 0)).toBe(false);
    expect(has(o.rim, 7, 0) && has(o.rim, 4, 0)).toBe(true); // dark edge outside and inside the ring
    const f = markerStamp("circle", "filled", 6);
    expect(has(f.body, 0, 0)).toBe(true);
    expect(has(f.rim, 7, 0)).toBe(true);
    expect(markerStamp("square", "outline", 1.5).body.length).toBeGreaterThan(0); // tiny markers are dots
    expect(has(markerStamp("square", "outline", 1.5).body, 0, 0)).toBe(true);
  });
  it("shapes differ: a square covers its corner, a circle and a diamond do not", () => {
    expect(has(markerStamp("square", "filled", 6).body, 4, 4)).toBe(true);
    expect(has(markerStamp("circle", "filled", 6).body, 5, 5)).toBe(false);
    expect(has(markerStamp("diamond", "filled", 6).body, 4, 4)).toBe(false);
    expect(has(markerStamp("diamond", "filled", 6).body, 0, 6)).toBe(true);
    expect(has(markerStamp("triangle", "filled", 6).body, 0, -7)).toBe(true);
    expect(has(markerStamp("triangle", "filled", 6).body, 0, 6)).toBe(false);
    expect(markerPath("square", 10, 10, 5)).toBe("M5.9 5.9h8.2v8.2h-8.2Z");
  });
});

describe("uncertainty ellipses", () => {
  it("the 1-sd ellipse of a covariance: axes and angle (eigen-decomposition by hand)", () => {
    const axis = covarianceEllipse(4, 1, 0);
    expect(axis).toEqual({ major: 2, minor: 1, angle: 0 });
    // [[2.5, 1.5], [1.5, 2.5]]: eigenvalues 4 and 1, major axis along (1, 1)
    const diag = covarianceEllipse(2.5, 2.5, 1.5);
    expect(diag.major).toBeCloseTo(2);
    expect(diag.minor).toBeCloseTo(1);
    expect(diag.angle).toBeCloseTo(Math.PI / 4);
    expect(Number.isNaN(covarianceEllipse(1, 1, 2).major)).toBe(true); // not positive semi-definite
  });
  it("show.atoms draws findAtoms' uncertaintyX/Y as ellipses: the arrows' gain with arrows, else 1/6 of the spacing", () => {
    const img = makeImage(new Float32Array(100 * 100), 100, 100);
    const atoms = { x: [10, 50, 90, 10], y: [10, 50, 90, 90], uncertaintyX: [0.1, 0.2, 0.1, 0.1], uncertaintyY: [0.05, 0.1, 0.05, 0.05] };
    const p = parseAtomsPayload(JSON.parse(JSON.stringify(show.atoms(img, atoms).payload)));
    expect(Array.from(p.atoms.ellipses!.sx).map((v) => Number(v.toFixed(4)))).toEqual([0.1, 0.2, 0.1, 0.1]);
    expect(p.atoms.ellipses!.sxy).toBeUndefined();
    expect(p.atoms.ellipses!.gain).toBe(100); // spacing 50 px / 6 / median 0.1 px = 83 → 100
    const withArrows = show.atoms(img, { ...atoms, dx: [1, 1, 1, 1], dy: [0, 0, 0, 0] }).payload;
    expect(withArrows.atoms.ellipses!.gain).toBe(1); // × the arrows' gain
    expect(show.atoms(img, atoms, { ellipses: null }).payload.atoms.ellipses).toBeUndefined();
    expect(() => show.atoms(img, atoms, { ellipses: ["uncertaintyX"] as any })).toThrow("show.atoms: options.ellipses must be [sxColumn, syColumn], [sxColumn, syColumn, covXYColumn] or null");
    expect(() => parseAtomsPayload({ version: 1, image: { width: 2, height: 2, png: "iVBORw0KGgoAAAANSUhEUg==" }, atoms: { count: 1, x: [0], y: [0], ellipses: { sx: [1], sy: [1, 2] } } })).toThrow("atoms.ellipses.sy: expected 1 values (atoms.count), got 2");
  });
});

describe("show.atoms colorBy", () => {
  const img = makeImage(new Float32Array(120 * 60).fill(0.5), 120, 60);
  const atoms = { x: [10, 30, 50, 70, 90, 110], y: [30, 30, 30, 30, 30, 30], strain: [-0.02, -0.01, 0, 0.01, 0.02, NaN], kind: ["a", "b", "a", "b", "a", "b"] };

  it("puts the column, its map and range in the payload; the widget's parser reads them", () => {
    const v = show.atoms(img, atoms, { colorBy: "strain", classColumn: "kind" });
    const p = parseAtomsPayload(JSON.parse(JSON.stringify(v.payload)));
    expect(p.atoms.colorBy!.name).toBe("strain");
    expect(p.atoms.colorBy!.map).toBe("diverging");
    expect(p.atoms.colorBy!.range).toEqual([-0.02, 0.02]);
    expect(p.atoms.colorBy!.values[1]).toBeCloseTo(-0.01);
    expect(Number.isNaN(p.atoms.colorBy!.values[5])).toBe(true);
    expect(p.atoms.classes.map((c) => c.shape)).toEqual(["circle", "square"]);
    const seq = show.atoms(img, { ...atoms, strain: [1, 2, 3, 4, 5, 6] }, { colorBy: "strain", colorRange: [0, 10], shapes: { atoms: "diamond" } }).payload;
    expect(seq.atoms.colorBy!.map).toBe("sequential");
    expect(seq.atoms.colorBy!.range).toEqual([0, 10]);
    expect(seq.atoms.classes[0].shape).toBe("diamond");
  });

  it("colours a vector [dx, dy] on the 2-D wheel: hue from the direction, brightness from the length", () => {
    const vec = { x: [20, 60, 100], y: [30, 30, 30], dx: [1, 0, -0.5], dy: [0, 1, 0] };
    const v = show.atoms(img, vec, { colorBy: ["dx", "dy"], vectors: null, marker: "filled" });
    const p = parseAtomsPayload(JSON.parse(JSON.stringify(v.payload)));
    expect(p.atoms.colorBy!.map).toBe("wheel");
    expect(p.atoms.colorBy!.range).toEqual([0, 1]);
    expect(Array.from(p.atoms.colorBy!.values).map((a) => Number(a.toFixed(4)))).toEqual([0, 1.5708, 3.1416]);
    expect(Array.from(p.atoms.colorBy!.magnitude!)).toEqual([1, 1, 0.5]);
    const png = PNG.sync.read(Buffer.from((v as any)[MIME_BUNDLE]()["image/png"], "base64"));
    const s = png.width / 120;
    const at = (x: number, y: number) => { const j = 4 * (Math.round((y + 0.5) * s - 0.5) * png.width + Math.round((x + 0.5) * s - 0.5)); return [png.data[j], png.data[j + 1], png.data[j + 2]]; };
    expect(at(20, 30)).toEqual(wheelRgb(0, 1)); // +x: red
    expect(at(60, 30)).toEqual(wheelRgb(Math.PI / 2, 1)); // +y (down)
    expect(at(100, 30)).toEqual(wheelRgb(Math.PI, 0.5)); // -x, half length: dark cyan
    expect(() => show.atoms(img, vec, { colorBy: ["dx", "dy"], colorMap: "cyclic" })).toThrow('show.atoms: options.colorMap "cyclic" does not apply to a vector colorBy (drawn on the colour wheel)');
    expect(() => show.atoms(img, vec, { colorBy: ["dx", "dz"] })).toThrow('show.atoms: options.colorBy "dz" is not a column of atoms (columns: x, y, dx, dy)');
  });

  it("names the option and the accepted values when an argument is wrong", () => {
    expect(() => show.atoms(img, atoms, { colorBy: "stress" })).toThrow('show.atoms: options.colorBy "stress" is not a column of atoms (columns: x, y, strain, kind)');
    expect(() => show.atoms(img, atoms, { colorBy: "kind" })).toThrow('show.atoms: column "kind" must be numeric, row 0 is "a"');
    expect(() => show.atoms(img, atoms, { colorBy: "strain", colorMap: "jet" as any })).toThrow('show.atoms: options.colorMap must be one of "auto", "sequential", "diverging", "cyclic"; got "jet"');
    expect(() => show.atoms(img, atoms, { colorBy: "strain", colorRange: [1, 1] })).toThrow("show.atoms: options.colorRange must be [min, max] with finite min < max, got [1,1]");
    expect(() => show.atoms(img, { ...atoms, strain: [0, 90, 180, 270, 359, 10] }, { colorBy: "strain", colorMap: "cyclic" })).toThrow("give options.colorRange (e.g. [0, 360] for degrees)");
    expect(() => show.atoms(img, atoms, { marker: "hollow" as any })).toThrow('show.atoms: options.marker must be one of "outline", "filled"; got "hollow"');
    expect(() => show.atoms(img, atoms, { shapes: { atoms: "star" as any } })).toThrow('show.atoms: options.shapes["atoms"] must be one of "circle", "square", "triangle", "diamond"; got "star"');
    expect(() => parseAtomsPayload({ ...JSON.parse(JSON.stringify(show.atoms(img, atoms).payload)), atoms: { count: 1, x: [1], y: [1], colorBy: { name: "s", values: [1], map: "jet", range: [0, 1] } } })).toThrow('atoms.colorBy.map: expected one of "sequential", "diverging", "cyclic", "wheel", got a string ("jet")');
  });

  it("the static PNG draws outlines (the column shows through) in the value's colour", () => {
    const v = show.atoms(img, atoms, { colorBy: "strain", classColumn: "kind" });
    const png = PNG.sync.read(Buffer.from((v as any)[MIME_BUNDLE]()["image/png"], "base64"));
    const s = png.width / 120;
    const at = (x: number, y: number) => { const j = 4 * (y * png.width + x); return [png.data[j], png.data[j + 1], png.data[j + 2]]; };
    const grey = at(Math.round(30.5 * s), Math.round(30.5 * s));
    expect(grey[0]).toBe(grey[1]); // centre of an outlined marker: the image
    // the ring's colour on a horizontal line through each circle ("a" atoms 0, 2, 4)
    const ringColour = (i: number) => {
      const cx = Math.round((atoms.x[i] + 0.5) * s - 0.5), cy = Math.round((atoms.y[i] + 0.5) * s - 0.5);
      for (let dx = 1; dx < 20; dx++) { const c = at(cx + dx, cy); if (c[0] !== c[1] || c[1] !== c[2]) return c; }
      return null;
    };
    expect(ringColour(0)).toEqual(colorMapRgb("diverging", 0));
    expect(ringColour(2)).toEqual(colorMapRgb("diverging", 0.5));
    expect(ringColour(4)).toEqual(colorMapRgb("diverging", 1));
  });

  it("the static PNG has a legend strip: the colour bar from end to end, labels, and a scale bar of the stated length", () => {
    const cal = makeImage(new Float32Array(120 * 60).fill(0.5), 120, 60, { pixelSize: 0.05, unit: "nm" });
    const v = show.atoms(cal, atoms, { colorBy: "strain" });
    expect(v.text).toBe("6 atoms over a 120×60 image, coloured by strain (diverging, -0.02 to 0.02)");
    const png = PNG.sync.read(Buffer.from((v as any)[MIME_BUNDLE]()["image/png"], "base64"));
    const s = 4; // ceil(384 / 120)
    expect(png.width).toBe(120 * s);
    expect(png.height).toBeGreaterThan(60 * s + 20);
    const at = (x: number, y: number) => { const j = 4 * (y * png.width + x); return [png.data[j], png.data[j + 1], png.data[j + 2]]; };
    // font size 2 (round(480 / 400)): margin 8, bar rows 8 .. 15 below the picture, width min(160, 192)
    const y = 60 * s + 10;
    expect(at(8, y)).toEqual(colorMapRgb("diverging", 0));
    expect(at(8 + 159, y)).toEqual(colorMapRgb("diverging", 1));
    expect(at(8 + 80, y)).toEqual(colorMapRgb("diverging", 80 / 159));
    // scale bar: 1/5 of 120 px × 0.05 nm = 1.2 nm → 1 nm = 20 px × 4 = 80 picture px, ending 8 px from the right
    let run = 0;
    for (let x = 0; x < png.width; x++) if (at(x, 60 * s + 9).every((c) => c === 0)) run++;
    expect(run).toBe(80);
    // labels: dark pixels under the colour bar and under the scale bar
    const ink = (x0: number, x1: number) => { let n = 0; for (let yy = 60 * s + 20; yy < png.height; yy++) for (let x = x0; x < x1; x++) if (at(x, yy)[0] < 50) n++; return n; };
    expect(ink(0, 60)).toBeGreaterThan(10); // "-0.02"
    expect(ink(png.width - 90, png.width)).toBeGreaterThan(10); // "1 nm"
    // without a colour column or calibration, no strip
    expect(PNG.sync.read(Buffer.from((show.atoms(img, atoms) as any)[MIME_BUNDLE]()["image/png"], "base64")).height).toBe(60 * s);
  });
});

// Uncertainty ellipses in the static PNG (the fallback on GitHub, nbviewer, nbconvert): 1 sd × the ellipse
// gain (× the arrows' gain with arrows), as in the widget, at known pixels of the picture.
const ORANGE = [0xe6, 0x9f, 0x00]; // the first palette colour: the one class's markers and ellipses

/** The picture of show.atoms decoded, with the colour at (x, y) and whether the atom colour is within 1 px of it. */
function picture(v: show.AtomsView) {
  const png = PNG.sync.read(Buffer.from(v.png));
  const at = (x: number, y: number) => {
    const j = 4 * (Math.round(y) * png.width + Math.round(x));
    return [png.data[j], png.data[j + 1], png.data[j + 2]];
  };
  const isOrange = (p: number[]) => p.every((c, k) => Math.abs(c - ORANGE[k]) <= 2);
  const near = (x: number, y: number) => [-1, 0, 1].some((dx) => [-1, 0, 1].some((dy) => isOrange(at(x + dx, y + dy))));
  return { png, at, isOrange, near };
}

describe("static PNG: uncertainty ellipses", () => {
  const img = makeImage(new Float32Array(100 * 100).fill(1), 100, 100);

  it("an axis-aligned ellipse: 1 sd × gain × the picture's scale on each axis, nothing between it and the marker", () => {
    // one atom: spacing 100 px, gain = nice(100 / 6 / 0.4) = 50; picture scale 4 (384 px / 100, rounded up)
    const v = show.atoms(img, { x: [50], y: [50], uncertaintyX: [0.4], uncertaintyY: [0.2] });
    expect(v.payload.atoms.ellipses!.gain).toBe(50);
    const p = picture(v);
    expect(p.png.width).toBe(400);
    const c = 50.5 * 4 - 0.5; // the centre of pixel 50 in the picture
    for (const [x, y] of [[c + 80, c], [c - 80, c], [c, c + 40], [c, c - 40]]) expect(p.near(x, y)).toBe(true);
    // inside, outside and between: the grey image
    for (const [x, y] of [[c + 60, c], [c + 100, c], [c, c + 60], [c + 40, c - 30]]) expect(p.isOrange(p.at(x, y))).toBe(false);
  });

  it("a covariance [[2.5, 1.5], [1.5, 2.5]] px² is a 2 × 1 sd ellipse along the diagonal", () => {
    // gain = nice(100 / 6 / sqrt(2.5)) = 10; semi-axes 2 · 10 · 4 = 80 px along (1, 1), 40 px along (1, -1)
    const v = show.atoms(img, { x: [50], y: [50], sx: [Math.sqrt(2.5)], sy: [Math.sqrt(2.5)], cxy: [1.5] }, { ellipses: ["sx", "sy", "cxy"] });
    const p = picture(v);
    const c = 50.5 * 4 - 0.5, d = 80 / Math.SQRT2, e = 40 / Math.SQRT2;
    for (const [x, y] of [[c + d, c + d], [c - d, c - d], [c + e, c - e], [c - e, c + e]]) expect(p.near(x, y)).toBe(true);
    // on the x axis the rotated ellipse crosses at 1 / sqrt(0.5/80² + 0.5/40²) = 50.6 px, not at 80 or 40
    expect(p.near(c + 50.6, c)).toBe(true);
    expect(p.near(c + 80, c)).toBe(false);
    expect(p.near(c + 40, c)).toBe(false);
  });

  it("with arrows the ellipses take the arrows' gain; ellipses: null draws none", () => {
    const atoms = { x: [50], y: [50], dx: [0], dy: [0.5], uncertaintyX: [0.4], uncertaintyY: [0.4] };
    const p = picture(show.atoms(img, atoms, { gain: 20 }));
    const c = 50.5 * 4 - 0.5; // radius 0.4 · 20 · 4 = 32 px; the arrow points down, so look left, right and up
    for (const [x, y] of [[c + 32, c], [c - 32, c], [c, c - 32]]) expect(p.near(x, y)).toBe(true);
    const none = picture(show.atoms(img, atoms, { gain: 20, ellipses: null }));
    for (const [x, y] of [[c + 32, c], [c - 32, c], [c, c - 32]]) expect(none.near(x, y)).toBe(false);
  });
});
