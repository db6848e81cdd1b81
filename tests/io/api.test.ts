import * as cs from "causalscope";

describe("the io API is the cs.io namespace", () => {
  it.each([
    "readImage", "readImageStack", "detectFormat", "readNpy", "writeNpy", "encodeNpy", "npyHeader", "fortranToC",
    "readHdf5Dataset", "readHdf5Attrs", "listHdf5", "findHdf5Image", "readTiff", "decodeTiff", "tiffPageCount",
    "readPng", "decodePng", "IOFormatError", "halfToFloat",
  ])("%s", (name) => {
    expect(typeof (cs.io as Record<string, unknown>)[name]).toBe("function");
  });
  it("LUMA_WEIGHTS are BT.601", () => {
    expect(cs.io.LUMA_WEIGHTS).toEqual([0.299, 0.587, 0.114]);
  });
});
