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

function rgb(hex: string): [number, number, number] {
  return [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)];
}

/**
 * The overlay as an RGB PNG: grey levels (`levels`, row-major w×h) upscaled
 * by an integer factor so the picture is at least 384 px on its long side
 * (at most ×8), atoms as discs in their class colour with a dark rim,
 * vectors as lines of gain × length. Returns the PNG and the scale used.
 */
export function atomsPng(levels: Uint8Array, width: number, height: number, a: NormalisedAtoms): { png: Uint8Array; scale: number } {
  const s = Math.max(1, Math.min(8, Math.ceil(384 / Math.max(width, height))));
  const W = width * s, H = height * s;
  const png = new PNG({ width: W, height: H });
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
  const put = (x: number, y: number, c: [number, number, number]) => {
    if (x < 0 || y < 0 || x >= W || y >= H) return;
    const j = 4 * (y * W + x);
    d[j] = c[0]; d[j + 1] = c[1]; d[j + 2] = c[2];
  };
  const disc = (cx: number, cy: number, r: number, c: [number, number, number]) => {
    const R = Math.ceil(r);
    for (let dy = -R; dy <= R; dy++) for (let dx = -R; dx <= R; dx++) if (dx * dx + dy * dy <= r * r + 0.25) put(cx + dx, cy + dy, c);
  };
  const line = (x0: number, y0: number, x1: number, y1: number, c: [number, number, number]) => {
    const n = Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0)));
    for (let k = 0; k <= n; k++) put(Math.round(x0 + ((x1 - x0) * k) / Math.max(1, n)), Math.round(y0 + ((y1 - y0) * k) / Math.max(1, n)), c);
  };
  const colors = a.classes.map((c) => rgb(c.color));
  const r = Math.max(1.5, a.radius * s);
  // pixel (x, y) of the image covers [x - 0.5, x + 0.5]; its centre lands at (x + 0.5) * s in the picture
  const px = (v: number) => Math.round((v + 0.5) * s - 0.5);
  for (let i = 0; i < a.count; i++) disc(px(a.x[i]), px(a.y[i]), r + 1, [0, 0, 0]);
  for (let i = 0; i < a.count; i++) disc(px(a.x[i]), px(a.y[i]), r, colors[a.cls[i]]);
  if (a.vectors) {
    for (let i = 0; i < a.count; i++) {
      const dx = a.vectors.dx[i] * a.gain * s, dy = a.vectors.dy[i] * a.gain * s;
      if (!Number.isFinite(dx) || !Number.isFinite(dy) || Math.hypot(dx, dy) < 1) continue;
      const x0 = px(a.x[i]), y0 = px(a.y[i]), x1 = x0 + dx, y1 = y0 + dy;
      line(x0, y0, x1, y1, colors[a.cls[i]]);
      const len = Math.hypot(dx, dy), h = Math.min(len * 0.35, 5), ux = dx / len, uy = dy / len;
      line(x1, y1, x1 - h * (ux - 0.5 * uy), y1 - h * (uy + 0.5 * ux), colors[a.cls[i]]);
      line(x1, y1, x1 - h * (ux + 0.5 * uy), y1 - h * (uy - 0.5 * ux), colors[a.cls[i]]);
    }
  }
  const buf = PNG.sync.write(png, { colorType: 2 });
  return { png: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), scale: s };
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
