/**
 * Notebook display of a symbolic-regression result: the Pareto front as a
 * table (HTML and text, the "best" row marked) and as an SVG plot of
 * log10(MSE) against complexity, with the best formula in LaTeX.
 */
import { escapeHtml } from "../../display/html";
import type { MimeBundle } from "../../display/mime";

interface FrontRow { expression: string; latex: string; complexity: number; loss: number; score: number }

/** SVG (360×220 px) of log10(loss) against complexity; the best point filled red. */
export function frontSvg(front: readonly FrontRow[], best: FrontRow): string {
  const W = 360, H = 220, L = 48, R = 12, T = 12, B = 36;
  const logs = front.map((e) => Math.log10(Math.max(e.loss, 1e-300)));
  const cMax = Math.max(...front.map((e) => e.complexity), 2), lMin = Math.min(...logs), lMax = Math.max(...logs, lMin + 1);
  const x = (c: number) => L + ((c - 1) / (cMax - 1)) * (W - L - R);
  const y = (l: number) => T + ((lMax - l) / (lMax - lMin)) * (H - T - B);
  const path = front.map((e, i) => `${i ? "L" : "M"}${x(e.complexity).toFixed(1)},${y(logs[i]).toFixed(1)}`).join(" ");
  const dots = front.map((e, i) =>
    `<circle cx="${x(e.complexity).toFixed(1)}" cy="${y(logs[i]).toFixed(1)}" r="4" fill="${e === best ? "#d62728" : "#1f77b4"}"><title>${escapeHtml(e.expression)}</title></circle>`).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">` +
    `<rect width="${W}" height="${H}" fill="white"/><line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#444"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#444"/>` +
    `<path d="${path}" fill="none" stroke="#1f77b4"/>${dots}` +
    `<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle">complexity (nodes)</text>` +
    `<text x="12" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 12 ${(T + H - B) / 2})">log10 MSE</text>` +
    `<text x="${L - 4}" y="${T + 4}" text-anchor="end">${lMax.toFixed(1)}</text><text x="${L - 4}" y="${H - B}" text-anchor="end">${lMin.toFixed(1)}</text>` +
    `<text x="${L}" y="${H - B + 14}" text-anchor="middle">1</text><text x="${W - R}" y="${H - B + 14}" text-anchor="middle">${cMax}</text></svg>`;
}

/** The bundle: text/plain and text/html tables of the front (best marked), image/svg+xml plot, text/latex of the best. */
export function symbolicBundle(front: readonly FrontRow[], best: FrontRow): MimeBundle {
  const rows = front.map((e) => ({ mark: e === best ? "*" : " ", c: String(e.complexity), l: e.loss.toExponential(3), s: e.score.toFixed(3), e: e.expression }));
  const plain = [`Symbolic regression: Pareto front (* = best, PySR's rule)`, ...rows.map((r) => `${r.mark} ${r.c.padStart(3)}  ${r.l.padStart(10)}  ${r.s.padStart(7)}  ${r.e}`)].join("\n");
  const html = `<table><thead><tr><th></th><th>complexity</th><th>MSE</th><th>score</th><th>expression</th></tr></thead><tbody>` +
    rows.map((r) => `<tr${r.mark === "*" ? ' style="font-weight:bold"' : ""}><td>${r.mark === "*" ? "best" : ""}</td><td>${r.c}</td><td>${r.l}</td><td>${r.s}</td><td><code>${escapeHtml(r.e)}</code></td></tr>`).join("") +
    `</tbody></table>`;
  return { "text/plain": plain, "text/html": html + frontSvg(front, best), "image/svg+xml": frontSvg(front, best), "text/latex": `$$${best.latex}$$` };
}
