import { makeImage } from "causalscope";
import { isImage } from "../../src/image";

describe("makeImage", () => {
  it("stores row-major pixels with x = column, y = row", () => {
    const img = makeImage([0, 1, 2, 3, 4, 5], 3, 2);
    expect(img.data[1 * img.width + 2]).toBe(5);
    expect(isImage(img)).toBe(true);
  });
  it("names the mismatch when sizes disagree", () => {
    expect(() => makeImage([1, 2, 3], 2, 2)).toThrow(/data has 3 pixels, width\*height = 2\*2 = 4/);
  });
  it("rejects a non-positive pixel size", () => {
    expect(() => makeImage([1], 1, 1, { pixelSize: 0, unit: "nm" })).toThrow(/pixelSize/);
  });
});
