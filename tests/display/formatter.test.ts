import { makeImage, table } from "causalscope";
import { DISPLAY_FORMATTER } from "../../src/display/mime";
import { displayBundle } from "../../src/display";
import { PNG } from "pngjs";

describe("displayBundle (what a cell's value shows as in the kernel)", () => {
  it("shows a plain Image object as a PNG of its pixels", async () => {
    const img = makeImage([0, 1, 2, 3], 2, 2);
    const bundle = await displayBundle(img);
    expect(Object.keys(bundle!).sort()).toEqual(["image/png", "text/plain"]);
    const png = PNG.sync.read(Buffer.from(bundle!["image/png"] as string, "base64"));
    expect([png.width, png.height]).toEqual([2, 2]);
    expect(png.data[0]).toBe(0); // (0, 0) = minimum → black
    expect(png.data[(1 * 2 + 1) * 4]).toBe(255); // (1, 1) = maximum → white
  });
  it("keeps a value's own bundle and has none for plain data", async () => {
    expect((await displayBundle(table({ a: [1, 2] })))!["text/html"]).toContain("<table");
    expect(await displayBundle({ a: 1 })).toBeUndefined();
    expect(await displayBundle(3)).toBeUndefined();
  });
  it("is installed on globalThis for the kernel", () => {
    expect((globalThis as Record<symbol, unknown>)[DISPLAY_FORMATTER]).toBe(displayBundle);
  });
});
