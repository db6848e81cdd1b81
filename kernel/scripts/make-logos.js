// Draws the kernel logos (kernel/logos/logo-{32x32,64x64}.png and an SVG):
// a 3×3 lattice of atomic columns on a dark-blue rounded square, one column
// highlighted (the "cause"). Run once; the outputs are committed.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { PNG } = require("pngjs");

const BG = [22, 48, 92];
const ATOM = [235, 240, 250];
const CAUSE = [240, 120, 40];

function draw(size) {
  const png = new PNG({ width: size, height: size });
  const r = size * 0.18; // corner radius
  const atoms = [];
  for (let j = 0; j < 3; j++) for (let i = 0; i < 3; i++) atoms.push({ x: size * (0.25 + 0.25 * i), y: size * (0.25 + 0.25 * j), c: i === 1 && j === 1 ? CAUSE : ATOM });
  const sigma = size * 0.075;
  const ss = 4; // supersampling for smooth edges
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let inside = 0;
      for (let sy = 0; sy < ss; sy++) for (let sx = 0; sx < ss; sx++) {
        const px = x + (sx + 0.5) / ss, py = y + (sy + 0.5) / ss;
        const dx = Math.max(r - px, 0, px - (size - r)), dy = Math.max(r - py, 0, py - (size - r));
        if (dx * dx + dy * dy <= r * r) inside++;
      }
      let col = BG.slice();
      for (const a of atoms) {
        const d2 = (x + 0.5 - a.x) ** 2 + (y + 0.5 - a.y) ** 2;
        const w = Math.exp(-d2 / (2 * sigma * sigma));
        col = col.map((v, k) => v * (1 - w) + a.c[k] * w);
      }
      const o = (y * size + x) * 4;
      png.data[o] = Math.round(col[0]);
      png.data[o + 1] = Math.round(col[1]);
      png.data[o + 2] = Math.round(col[2]);
      png.data[o + 3] = Math.round((255 * inside) / (ss * ss));
    }
  }
  return PNG.sync.write(png);
}

const out = path.join(__dirname, "..", "logos");
fs.mkdirSync(out, { recursive: true });
for (const s of [32, 64]) fs.writeFileSync(path.join(out, `logo-${s}x${s}.png`), draw(s));
const circles = [];
for (let j = 0; j < 3; j++) for (let i = 0; i < 3; i++) {
  const fill = i === 1 && j === 1 ? "rgb(240,120,40)" : "rgb(235,240,250)";
  circles.push(`<circle cx="${16 + 16 * i}" cy="${16 + 16 * j}" r="6" fill="${fill}"/>`);
}
fs.writeFileSync(path.join(out, "logo-svg.svg"), `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64"><rect width="64" height="64" rx="11.5" fill="rgb(22,48,92)"/>${circles.join("")}</svg>\n`);
