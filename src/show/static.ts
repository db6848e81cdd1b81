/**
 * Static pictures for places without the JupyterLab extension (GitHub,
 * nbviewer, nbconvert HTML): the atom overlay as a PNG (the image with
 * atoms drawn as coloured discs and arrows), the graph as an SVG drawn by
 * the same code as the widget (./shared/graph-drawing.ts).
 */
import { PNG } from "pngjs";
import dagre from "@dagrejs/dagre";
import { graphPayload, type GraphInput, type NormalisedAtoms } from "./payload";
import { parseGraphPayload, type GraphPayload, type GraphPayloadJSON } from "./shared/schema";
import { graphSvg, layoutGraph } from "./shared/graph-drawing";
import { colorByRgb, colorMapRgb, wheelRgb } from "./shared/colormap";
import { covarianceEllipse, markerStamp, packRgba, stamp } from "./shared/markers";
import { formatValue } from "./shared/format";
import { drawText, textHeight, textWidth } from "./pixel-font";

function rgb(hex: string): [number, number, number] {
  return [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)];
}

/**
 * The overlay as an RGB PNG: grey levels (`levels`, row-major w×h) upscaled
 * by an integer factor so the picture is at least 384 px on its long side
 * (at most ×8); atoms as markers of their class shape, outlined (or filled)
 * in their class colour or their `colorBy` colour, with a dark rim, at a
 * legible size independent of the upscale; uncertainty ellipses (1 sd ×
 * their gain, as in the widget) as 1-px outlines in the atom's colour;
 * vectors as arrows of gain × length; below the picture, when colouring by a column or calibrated, a
 * white strip with the colour bar and a scale bar (drawLegendStrip).
 * Returns the PNG and the scale used (the picture is the image ×`scale`,
 * its top `height × scale` rows). O(pixels·s² + atoms·r²).
 */
export function atomsPng(levels: Uint8Array, width: number, height: number, a: NormalisedAtoms, calibration?: { pixelSize: number; unit: string }): { png: Uint8Array; scale: number } {
  const s = Math.max(1, Math.min(8, Math.ceil(384 / Math.max(width, height))));
  const W = width * s, H = height * s;
  const font = Math.max(2, Math.round(W / 400));
  const strip = a.colorBy || calibration ? 12 * font + textHeight(font) : 0;
  const png = new PNG({ width: W, height: H + strip });
  const d = png.data;
  for (let y = 0; y < H; y++) {
    const row = ((y / s) | 0) * width;
    for (let x = 0; x < W; x++) {
      const g = levels[row + ((x / s) | 0)];
      const j = 4 * (y * W + x);
      d[j] = d[j + 1] = d[j + 2] = g;
      d[j + 3] = 255;
    }
  }
  const buf = new Uint32Array(d.buffer, d.byteOffset, W * (H + strip));
  const colors = atomColors(a);
  const dark = packRgba(0, 0, 0);
  // pixel (x, y) of the image covers [x - 0.5, x + 0.5]; its centre lands at (x + 0.5) * s in the picture
  const px = (v: number) => Math.round((v + 0.5) * s - 0.5);
  const r = markerRadius(a.radius * s, W, H, a.count);
  const stamps = a.classes.map((c) => markerStamp(c.shape, a.marker, r));
  for (let i = 0; i < a.count; i++) {
    const m = stamps[a.cls[i]];
    stamp(buf, W, H, px(a.x[i]), px(a.y[i]), m.rim, dark, m.reach);
  }
  for (let i = 0; i < a.count; i++) {
    const m = stamps[a.cls[i]];
    stamp(buf, W, H, px(a.x[i]), px(a.y[i]), m.body, colors[i], m.reach);
  }
  if (a.ellipses) {
    const e = a.ellipses, g = e.gain * s;
    for (let i = 0; i < a.count; i++) {
      const el = covarianceEllipse(e.sx[i] * e.sx[i], e.sy[i] * e.sy[i], e.sxy ? e.sxy[i] : 0);
      // the widget's rule: ellipses under 0.75 px (or of a NaN covariance) are not drawn
      if (el.major * g >= 0.75) ellipseOutline(buf, W, H, (a.x[i] + 0.5) * s - 0.5, (a.y[i] + 0.5) * s - 0.5, el.major * g, el.minor * g, el.angle, colors[i]);
    }
  }
  if (a.vectors) {
    const put = (x: number, y: number, c: number) => {
      if (x >= 0 && y >= 0 && x < W && y < H) buf[y * W + x] = c;
    };
    const line = (x0: number, y0: number, x1: number, y1: number, c: number) => {
      const n = Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0)));
      for (let k = 0; k <= n; k++) put(Math.round(x0 + ((x1 - x0) * k) / Math.max(1, n)), Math.round(y0 + ((y1 - y0) * k) / Math.max(1, n)), c);
    };
    for (let i = 0; i < a.count; i++) {
      const dx = a.vectors.dx[i] * a.gain * s, dy = a.vectors.dy[i] * a.gain * s;
      if (!Number.isFinite(dx) || !Number.isFinite(dy) || Math.hypot(dx, dy) < 1) continue;
      const x0 = px(a.x[i]), y0 = px(a.y[i]), x1 = x0 + dx, y1 = y0 + dy;
      line(x0, y0, x1, y1, colors[i]);
      const len = Math.hypot(dx, dy), h = Math.min(len * 0.35, 5), ux = dx / len, uy = dy / len;
      line(x1, y1, x1 - h * (ux - 0.5 * uy), y1 - h * (uy + 0.5 * ux), colors[i]);
      line(x1, y1, x1 - h * (ux + 0.5 * uy), y1 - h * (uy - 0.5 * ux), colors[i]);
    }
  }
  if (strip) drawLegendStrip(buf, W, H, strip, font, s, a, calibration);
  const out = PNG.sync.write(png, { colorType: 2 });
  return { png: new Uint8Array(out.buffer, out.byteOffset, out.byteLength), scale: s };
}

/**
 * A 1-px outline of the ellipse centred at (cx, cy) (picture px) with
 * semi-axes `a` ≥ `b` px, the `a` axis at `angle` radians from +x towards
 * +y, in `color`, into the top `h` rows of a `w`-wide buffer (clipped).
 * The boundary is walked in steps under half a pixel. O(a).
 */
export function ellipseOutline(buf: Uint32Array, w: number, h: number, cx: number, cy: number, a: number, b: number, angle: number, color: number): void {
  const n = Math.max(16, Math.ceil(4 * Math.PI * a));
  const c = Math.cos(angle), s = Math.sin(angle);
  for (let k = 0; k < n; k++) {
    const t = (2 * Math.PI * k) / n, u = a * Math.cos(t), v = b * Math.sin(t);
    const x = Math.round(cx + u * c - v * s), y = Math.round(cy + u * s + v * c);
    if (x >= 0 && y >= 0 && x < w && y < h) buf[y * w + x] = color;
  }
}

/**
 * The legend under the static overlay (rows H .. H + strip of a W-wide
 * buffer, white): the colour bar of `colorBy` with its end values (and 0 at
 * the centre of a diverging map), and for a calibrated image a scale bar of
 * a 1, 2 or 5 × 10^k length about a fifth of the width, labelled.
 */
function drawLegendStrip(buf: Uint32Array, W: number, H: number, strip: number, font: number, s: number, a: NormalisedAtoms, calibration?: { pixelSize: number; unit: string }): void {
  buf.fill(packRgba(255, 255, 255), W * H, W * (H + strip));
  const black = packRgba(0, 0, 0);
  const put = (x: number, y: number) => {
    if (x >= 0 && x < W && y >= H && y < H + strip) buf[y * W + x] = black;
  };
  const m = 4 * font, barH = 4 * font, y0 = H + m, ty = y0 + barH + 2 * font;
  if (a.colorBy?.map === "wheel") {
    // the colour wheel: direction as on the picture (y down), length from the centre (0) to the rim (range[1])
    const R = Math.floor((strip - 2 * font) / 2), cx = m + R, cy = H + Math.floor(strip / 2);
    for (let v = -R; v <= R; v++) for (let u = -R; u <= R; u++) {
      const d = Math.hypot(u, v);
      if (d <= R && cx + u < W) buf[(cy + v) * W + cx + u] = packRgba(...wheelRgb(Math.atan2(v, u), d / R));
    }
    const label = `0 - ${formatValue(a.colorBy.range[1])}`;
    drawText(label, cx + R + 2 * font, cy - Math.floor(textHeight(font) / 2), font, put);
  } else if (a.colorBy) {
    const { map, range } = a.colorBy;
    const bw = Math.min(80 * font, Math.floor(W / 2.5));
    for (let x = 0; x < bw; x++) {
      const c = packRgba(...colorMapRgb(map, x / (bw - 1)));
      for (let y = y0; y < y0 + barH; y++) buf[y * W + m + x] = c;
    }
    const lo = formatValue(range[0]), hi = formatValue(range[1]);
    drawText(lo, m, ty, font, put);
    drawText(hi, m + bw - textWidth(hi, font), ty, font, put);
    if (map === "diverging" && range[0] < 0 && range[1] > 0) {
      const x0 = m + Math.round((bw - 1) * (-range[0] / (range[1] - range[0])));
      drawText("0", x0 - Math.floor(textWidth("0", font) / 2), ty, font, put);
    }
  }
  if (calibration) {
    const target = (W / 5 / s) * calibration.pixelSize;
    const e = Math.floor(Math.log10(target)), f = target / Math.pow(10, e);
    const value = (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * Math.pow(10, e);
    const len = Math.round((value / calibration.pixelSize) * s);
    const x1 = W - m, x0 = x1 - len;
    for (let y = y0; y < y0 + 2 * font; y++) for (let x = x0; x < x1; x++) put(x, y);
    const label = `${formatValue(value)} ${calibration.unit}`;
    drawText(label, x1 - textWidth(label, font), ty, font, put);
  }
}

/** Packed RGBA colour of each atom: its `colorBy` colour, else its class colour. O(n). */
function atomColors(a: NormalisedAtoms): Uint32Array {
  const out = new Uint32Array(a.count);
  if (a.colorBy) {
    for (let i = 0; i < a.count; i++) out[i] = packRgba(...colorByRgb(a.colorBy, i));
  } else {
    const cls = a.classes.map((c) => packRgba(...rgb(c.color)));
    for (let i = 0; i < a.count; i++) out[i] = cls[a.cls[i]];
  }
  return out;
}

/**
 * Marker size (picture pixels) of the static overlay: the display radius,
 * at least 4 px so markers read at print size, at most 0.45 × the atom
 * spacing in the picture so neighbours do not merge.
 */
function markerRadius(r: number, W: number, H: number, n: number): number {
  const spacing = Math.sqrt((W * H) / Math.max(1, n));
  return Math.max(1.5, Math.min(Math.max(4, r), 0.45 * spacing));
}

/**
 * The static SVG of a graph payload: parsed by the extension's parser (so it
 * draws exactly what the widget draws) and laid out with dagre.
 */
export function payloadSvg(p: GraphPayloadJSON | GraphPayload): string {
  const g = parseGraphPayload(p);
  return graphSvg(g, layoutGraph(g, dagre));
}

/**
 * The static SVG of any graph `show.graph` accepts (a causalscope Graph, a
 * PAG with its marks...): layered, top to bottom, as in the widget. `where`
 * names the caller in errors. O(nodes·edges) for the layout.
 */
export function staticGraphSvg(g: GraphInput, options: { title?: string } = {}, where = "graph SVG"): string {
  return payloadSvg(graphPayload(g, { id: "", title: options.title }, where));
}
