/**
 * A tiny bitmap font for the labels of the static atom-overlay PNG (colour
 * bar ticks, scale bar): numbers as `formatValue` writes them and the units
 * of image calibrations (nm, pm, Å, µm, px). Glyphs are 5 rows high, 1–5
 * columns wide, drawn at an integer `size` per font pixel; a character
 * outside the set is drawn as "?" so that nothing is silently dropped.
 */

/** Rows top to bottom, "1" = ink. */
const GLYPHS: Record<string, string[]> = {
  "0": ["111", "101", "101", "101", "111"],
  "1": ["010", "110", "010", "010", "111"],
  "2": ["111", "001", "111", "100", "111"],
  "3": ["111", "001", "111", "001", "111"],
  "4": ["101", "101", "111", "001", "001"],
  "5": ["111", "100", "111", "001", "111"],
  "6": ["111", "100", "111", "101", "111"],
  "7": ["111", "001", "001", "010", "010"],
  "8": ["111", "101", "111", "101", "111"],
  "9": ["111", "101", "111", "001", "111"],
  ".": ["0", "0", "0", "0", "1"],
  "-": ["000", "000", "111", "000", "000"],
  "−": ["000", "000", "111", "000", "000"],
  "+": ["000", "010", "111", "010", "000"],
  "e": ["000", "111", "111", "100", "111"],
  "×": ["000", "101", "010", "101", "000"],
  " ": ["00", "00", "00", "00", "00"],
  "n": ["000", "110", "101", "101", "101"],
  "m": ["00000", "11110", "10101", "10101", "10101"],
  "p": ["000", "110", "101", "110", "100"],
  "x": ["000", "101", "010", "010", "101"],
  "u": ["000", "101", "101", "101", "111"],
  "µ": ["000", "101", "101", "111", "100"],
  "μ": ["000", "101", "101", "111", "100"],
  "Å": ["010", "000", "111", "101", "101"],
  "A": ["010", "101", "111", "101", "101"],
  "?": ["111", "001", "011", "000", "010"],
};

/** Height of a line of text in picture pixels at `size`. */
export function textHeight(size: number): number {
  return 5 * size;
}

/** Width of `text` in picture pixels at `size` (one font pixel between glyphs). */
export function textWidth(text: string, size: number): number {
  let w = 0;
  for (const ch of text) w += ((GLYPHS[ch] ?? GLYPHS["?"])[0].length + 1) * size;
  return Math.max(0, w - size);
}

/**
 * Draw `text` with its top-left corner at (x, y) by calling `put(px, py)`
 * for every inked picture pixel. O(glyph pixels · size²).
 */
export function drawText(text: string, x: number, y: number, size: number, put: (px: number, py: number) => void): void {
  let cx = Math.round(x);
  for (const ch of text) {
    const g = GLYPHS[ch] ?? GLYPHS["?"];
    for (let r = 0; r < 5; r++) {
      for (let c = 0; c < g[r].length; c++) {
        if (g[r][c] !== "1") continue;
        for (let dy = 0; dy < size; dy++) for (let dx = 0; dx < size; dx++) put(cx + c * size + dx, Math.round(y) + r * size + dy);
      }
    }
    cx += (g[0].length + 1) * size;
  }
}
