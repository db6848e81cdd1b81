import { PNG } from "pngjs";
import { makeImage, show } from "causalscope";
const showImage = show.image;
import { imageToPng, imageBundle, binImage, mimeBundleOf, greyLevelWindow } from "../../src/display";
import { escapeHtml } from "../../src/display/html";

function decode(bytes: Uint8Array) {
  const png = PNG.sync.read(Buffer.from(bytes));
  // pngjs expands to RGBA; grey pixel (x, y) → data[4 * (y * width + x)]
  const grey = (x: number, y: number) => png.data[4 * (y * png.width + x)];
  return { png, grey };
}

describe("imageToPng", () => {
  test("round trip: size, greyscale colour type, linear map of the finite range", () => {
    // 4×3 image, values 0..11 row-major; pixel (x, y) = y * 4 + x
    const img = makeImage(Array.from({ length: 12 }, (_, i) => i), 4, 3);
    const bytes = imageToPng(img);
    expect(Array.from(bytes.slice(1, 4), (c) => String.fromCharCode(c)).join("")).toBe("PNG");
    const { png, grey } = decode(bytes);
    expect([png.width, png.height]).toEqual([4, 3]);
    // IHDR: bit depth at byte 24, colour type at byte 25 (0 = greyscale)
    expect([bytes[24], bytes[25]]).toEqual([8, 0]);
    expect(grey(0, 0)).toBe(0); // min → black
    expect(grey(3, 2)).toBe(255); // max → white
    expect(grey(1, 0)).toBe(Math.round((1 / 11) * 255)); // 23
    expect(grey(2, 1)).toBe(Math.round((6 / 11) * 255)); // x = 2, y = 1 → value 6 → 139
    // R = G = B (grey)
    expect(png.data[4 * 6]).toBe(png.data[4 * 6 + 1]);
    expect(png.data[4 * 6 + 3]).toBe(255);
  });

  test("explicit min/max clamp, NaN and Inf are black", () => {
    const img = makeImage([-5, 10, 15, 20, NaN, Infinity, -Infinity, 12.5], 4, 2);
    const { grey } = decode(imageToPng(img, { min: 10, max: 20 }));
    expect(grey(0, 0)).toBe(0); // below min
    expect(grey(1, 0)).toBe(0); // = min
    expect(grey(2, 0)).toBe(128); // 15 → round(127.5) = 128
    expect(grey(3, 0)).toBe(255);
    expect(grey(0, 1)).toBe(0); // NaN
    expect(grey(1, 1)).toBe(0); // +Inf
    expect(grey(2, 1)).toBe(0); // -Inf
    expect(grey(3, 1)).toBe(Math.round(2.5 * 25.5)); // 12.5 → 64
  });

  test("NaN and Inf do not enter the default range", () => {
    const img = makeImage([NaN, 1, 3, Infinity], 2, 2);
    const w = greyLevelWindow(img);
    expect(w).toMatchObject({ min: 1, max: 3, nanCount: 1, infCount: 1 });
    const { grey } = decode(imageToPng(img));
    expect([grey(1, 0), grey(0, 1)]).toEqual([0, 255]);
  });

  test("percentiles clip outliers (numpy linear percentile)", () => {
    // 0..99 plus one huge outlier: 101 values
    const vals = Array.from({ length: 100 }, (_, i) => i);
    vals.push(1e6);
    const img = makeImage(vals, 101, 1);
    const w = greyLevelWindow(img, { percentile: [1, 99] });
    // numpy.percentile(vals, [1, 99]) = [1.0, 99.0]
    expect(w.min).toBeCloseTo(1, 10);
    expect(w.max).toBeCloseTo(99, 10);
    const { grey } = decode(imageToPng(img, { percentile: [1, 99] }));
    expect(grey(0, 0)).toBe(0);
    expect(grey(50, 0)).toBe(Math.round((49 / 98) * 255));
    expect(grey(100, 0)).toBe(255);
  });

  test("a constant image is black, not NaN garbage", () => {
    const { grey } = decode(imageToPng(makeImage([7, 7, 7, 7], 2, 2)));
    expect([grey(0, 0), grey(1, 1)]).toEqual([0, 0]);
  });

  test("zero-size image and bad options: errors name the argument", () => {
    expect(() => imageToPng(makeImage([], 0, 5))).toThrow(/imageToPng: image is empty \(0×5/);
    expect(() => imageToPng(makeImage([], 3, 0))).toThrow(/image is empty/);
    expect(() => imageToPng(makeImage([1, 2], 2, 1), { min: 3, max: 1 })).toThrow(/options.max \(1\) must be greater than options.min \(3\)/);
    expect(() => imageToPng(makeImage([1, 2], 2, 1), { percentile: [99, 1] })).toThrow(/options.percentile/);
    expect(() => imageToPng({ data: [1, 2] } as never)).toThrow(/image must be an Image/);
    expect(() => showImage(makeImage([], 0, 0))).toThrow(/show.image: image is empty/);
  });
});

describe("imageBundle / showImage", () => {
  test("bundle carries a decodable PNG and a text summary with calibration and range", async () => {
    const img = makeImage([0, 1, 2, NaN], 2, 2, { pixelSize: 0.05, unit: "nm" });
    const bundle = imageBundle(img, { title: "HAADF" });
    const png = PNG.sync.read(Buffer.from(bundle["image/png"] as string, "base64"));
    expect([png.width, png.height]).toEqual([2, 2]);
    expect(bundle["text/plain"]).toBe("HAADF: Image 2×2 px (0.1×0.1 nm, 0.05 nm/px), values [0, 2], 1 NaN");
    const shown = await mimeBundleOf(showImage(img, { title: "HAADF" }));
    expect(shown).toEqual(bundle);
  });

  test("the text says when the displayed window differs from the data range", () => {
    const bundle = imageBundle(makeImage([0, 5, 10, 20], 4, 1), { max: 10 });
    expect(bundle["text/plain"]).toBe("Image 4×1 px, values [0, 20], shown [0, 10]");
  });
});

test("escapeHtml", () => {
  expect(escapeHtml(`<script>alert("x") & 'y'</script>`)).toBe("&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;");
});

describe("large images are binned for display", () => {
  test("maxSize: block means, window from the full image, text says so", () => {
    // 6×4 image; 2×2 blocks of the values below; one NaN inside a block
    const v = [
      0, 2, 4, 4, 8, 8,
      2, 0, 4, NaN, 8, 8,
      10, 10, 1, 1, 6, 6,
      10, 10, 1, 1, 6, 6,
    ];
    const img = makeImage(v, 6, 4, { pixelSize: 0.5, unit: "Å" });
    const binned = binImage(img, 2);
    expect([binned.width, binned.height]).toEqual([3, 2]);
    expect(Array.from(binned.data)).toEqual([1, 4, 8, 10, 1, 6]);
    expect(binned.calibration).toEqual({ pixelSize: 1, unit: "Å" });
    const bundle = imageBundle(img, { maxSize: 3 });
    const png = PNG.sync.read(Buffer.from(bundle["image/png"] as string, "base64"));
    expect([png.width, png.height]).toEqual([3, 2]);
    // window from the full image: [0, 10]
    expect(png.data[4 * 0]).toBe(Math.round(25.5)); // 1 → 26
    expect(png.data[4 * 3]).toBe(255); // 10
    expect(bundle["text/plain"]).toBe("Image 6×4 px (3×2 Å, 0.5 Å/px), values [0, 10], 1 NaN, shown binned 2×2 as 3×2 px");
    // partial blocks at the edges
    const odd = binImage(makeImage([1, 2, 3, 4, 5, 6, 7, 8, 9], 3, 3), 2);
    expect(Array.from(odd.data)).toEqual([3, 4.5, 7.5, 9]);
    expect(() => imageBundle(img, { maxSize: 0 })).toThrow(/imageBundle: options.maxSize must be a positive integer, got 0/);
  });
});

test("percentile window by selection equals the sorted-array definition (duplicates, NaN, Inf)", () => {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (const n of [1, 2, 3, 10, 1001, 5000]) {
    const v = Float32Array.from({ length: n }, () => Math.round(rand() * 50) / 5); // many ties
    if (n > 3) { v[1] = NaN; v[2] = Infinity; }
    const finite = Array.from(v).filter(Number.isFinite).sort((a, b) => a - b);
    const ref = (p: number) => {
      const pos = (p / 100) * (finite.length - 1), lo = Math.floor(pos), hi = Math.min(finite.length - 1, lo + 1);
      return finite[lo] + (finite[hi] - finite[lo]) * (pos - lo);
    };
    for (const [a, b] of [[0, 100], [0.5, 99.5], [1, 99], [25, 75], [33.3, 66.7]] as Array<[number, number]>) {
      const w = greyLevelWindow({ data: v, width: n, height: 1 }, { percentile: [a, b] });
      expect(w.min).toBeCloseTo(ref(a), 5);
      expect(w.max).toBeCloseTo(ref(b), 5);
    }
  }
});
