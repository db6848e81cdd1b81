/**
 * Static pictures for places without the JupyterLab extension (GitHub,
 * nbviewer, nbconvert HTML): the atom overlay as a PNG (the image with
 * atoms drawn as coloured discs and arrows), the graph as an SVG with the
 * same layered layout (dagre; Gansner et al. 1993) as the widget.
 */
import { PNG } from "pngjs";
import dagre from "@dagrejs/dagre";
import type { NormalisedAtoms, GraphPayloadJSON } from "./payload";

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

/** XML-escape text for SVG. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const fmt = (v: number) => (Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : String(Number(v.toPrecision(3))));

/**
 * The graph as a standalone SVG: layered layout top to bottom, edge width
 * 1..6 px from |weight| / max |weight|, opacity 0.15..1 from confidence,
 * arrowheads for directed (one) and bidirected (two) edges, weights as labels.
 */
export function graphSvg(g: GraphPayloadJSON): string {
  const dg = new dagre.graphlib.Graph({ multigraph: true });
  dg.setGraph({ rankdir: "TB", nodesep: 30, ranksep: 55, marginx: 16, marginy: 16 });
  dg.setDefaultEdgeLabel(() => ({}));
  const short = (l: string) => (l.length > 30 ? l.slice(0, 29) + "…" : l);
  for (const n of g.nodes) dg.setNode(n.id, { width: Math.max(40, 7.6 * short(n.label).length + 24), height: 32 });
  g.edges.forEach((e, i) => dg.setEdge(e.from, e.to, {}, `e${i}`));
  dagre.layout(dg);
  const gg = dg.graph();
  const W = Math.max(120, Math.ceil(gg.width ?? 0)), H = Math.max(60, Math.ceil((gg.height ?? 0) + (g.title ? 24 : 0)));
  const dy = g.title ? 24 : 0;
  const maxW = Math.max(0, ...g.edges.map((e) => Math.abs(e.weight ?? 0)));
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="13">`);
  parts.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  if (g.title) parts.push(`<text x="${W / 2}" y="17" text-anchor="middle" font-weight="bold">${escapeXml(g.title)}</text>`);
  parts.push(`<g transform="translate(0,${dy})">`);
  const head = (tip: { x: number; y: number }, from: { x: number; y: number }, sw: number) => {
    const ddx = tip.x - from.x, ddy = tip.y - from.y, len = Math.hypot(ddx, ddy) || 1, ux = ddx / len, uy = ddy / len;
    const h = 8 + sw * 1.5, w = 4 + sw, bx = tip.x - ux * h, by = tip.y - uy * h;
    return `<polygon points="${tip.x.toFixed(1)},${tip.y.toFixed(1)} ${(bx - uy * w).toFixed(1)},${(by + ux * w).toFixed(1)} ${(bx + uy * w).toFixed(1)},${(by - ux * w).toFixed(1)}" fill="#333333"/>`;
  };
  g.edges.forEach((e, i) => {
    const pts: { x: number; y: number }[] = dg.edge(e.from, e.to, `e${i}`).points;
    const sw = e.weight === undefined || !(maxW > 0) ? 1.5 : 1 + 5 * Math.min(1, Math.abs(e.weight) / maxW);
    const op = e.confidence === undefined ? 1 : 0.15 + 0.85 * e.confidence;
    const title = `${e.from} ${e.type === "directed" ? "→" : e.type === "bidirected" ? "↔" : "—"} ${e.to}` + (e.weight !== undefined ? ` · weight ${fmt(e.weight)}` : "") + (e.confidence !== undefined ? ` · confidence ${fmt(e.confidence)}` : "");
    parts.push(`<g class="edge" opacity="${op.toFixed(3)}"><title>${escapeXml(title)}</title>`);
    parts.push(`<path d="${pts.map((p, k) => `${k ? "L" : "M"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ")}" fill="none" stroke="#333333" stroke-width="${sw.toFixed(2)}"${e.type === "bidirected" ? ' stroke-dasharray="6 3"' : ""}/>`);
    if (e.type !== "undirected") parts.push(head(pts[pts.length - 1], pts[pts.length - 2], sw));
    if (e.type === "bidirected") parts.push(head(pts[0], pts[1], sw));
    if (e.weight !== undefined) {
      const m = pts[Math.floor((pts.length - 1) / 2)], n = pts[Math.floor(pts.length / 2)];
      parts.push(`<text x="${((m.x + n.x) / 2 + 4).toFixed(1)}" y="${((m.y + n.y) / 2 - 4).toFixed(1)}" font-size="11" fill="#666666">${escapeXml(fmt(e.weight))}</text>`);
    }
    parts.push(`</g>`);
  });
  for (const n of g.nodes) {
    const b = dg.node(n.id);
    parts.push(`<g class="node" transform="translate(${b.x.toFixed(1)},${b.y.toFixed(1)})"><title>${escapeXml(n.label === n.id ? n.id : `${n.label} (${n.id})`)}</title>`);
    parts.push(`<rect x="${-b.width / 2}" y="${-b.height / 2}" width="${b.width}" height="${b.height}" rx="8" ry="8" fill="#ffffff" stroke="#333333" stroke-width="1.5"/>`);
    parts.push(`<text text-anchor="middle" dominant-baseline="central">${escapeXml(short(n.label))}</text></g>`);
  }
  parts.push(`</g></svg>`);
  return parts.join("\n");
}
