/**
 * The transition simulator (`simulateTransition`): reproducible by seed, its
 * ground truth self-consistent (atoms = non-vacant sites, the nucleus is the
 * first new-phase site and the hazard that chose it), the knock-on rate
 * recovered by the Markov statistics, the rendered frame bright at the true
 * columns, the negative control's flat hazard, and option errors.
 */
import { simulateTransition, markovTransitions, HOST, VACANCY, NEW_PHASE } from "../../src/transitions";

describe("simulateTransition", () => {
  const opts = { size: [10, 10] as [number, number], frames: 25, seed: 3 };
  const movie = simulateTransition(opts);

  it("is reproducible by seed and has a self-consistent ground truth", () => {
    const again = simulateTransition(opts);
    expect(again.states.map((s) => Array.from(s))).toEqual(movie.states.map((s) => Array.from(s)));
    expect(Array.from(again.frames[7].data)).toEqual(Array.from(movie.frames[7].data));
    expect(simulateTransition({ ...opts, seed: 4 }).states[24]).not.toEqual(movie.states[24]);
    expect(movie.frames).toHaveLength(25);
    expect(movie.frames[0].width).toBe(120);
    expect(movie.states[0].every((v) => v === HOST)).toBe(true);
    movie.states.forEach((s, t) => {
      const site = Array.from(movie.atoms[t].numeric("site"));
      expect(site).toEqual(Array.from(s.keys()).filter((i) => s[i] !== VACANCY));
    });
    const nuc = movie.nucleation!;
    expect(nuc).not.toBeNull();
    const firstNew = movie.states.findIndex((s) => s.includes(NEW_PHASE));
    expect(firstNew).toBe(nuc.frame);
    expect(movie.states[nuc.frame].filter((v) => v === NEW_PHASE)).toHaveLength(1);
    expect(movie.states[nuc.frame][nuc.site]).toBe(NEW_PHASE);
    expect(movie.states[nuc.frame - 1][nuc.site]).toBe(HOST);
    expect(movie.hazard[nuc.frame][nuc.site]).toBeGreaterThan(0);
    // no hazard after the nucleus; the new phase only grows (a site never leaves it)
    for (let t = nuc.frame + 1; t < 25; t++) {
      expect(movie.hazard[t].every((v) => v === 0)).toBe(true);
      movie.states[t - 1].forEach((v, i) => { if (v === NEW_PHASE) expect(movie.states[t][i]).toBe(NEW_PHASE); });
    }
    expect(Array.from(movie.time.slice(0, 3))).toEqual([0, 1, 2]);
    expect(movie.dose[2]).toBe(2000);
  });

  it("renders columns at the true positions, the new phase dimmer", () => {
    const f = movie.frames[24], a = movie.atoms[24], x = a.numeric("x"), y = a.numeric("y"), ph = a.numeric("phase");
    const at = (k: number) => f.data[Math.round(y[k]) * f.width + Math.round(x[k])];
    const mean = (k: number[]) => k.reduce((s, i) => s + at(i), 0) / k.length;
    const host = [...ph.keys()].filter((k) => ph[k] === HOST), fresh = [...ph.keys()].filter((k) => ph[k] === NEW_PHASE);
    expect(fresh.length).toBeGreaterThan(3);
    const bg = f.data[Math.round(movie.sites.numeric("y")[0] + 6) * f.width + Math.round(movie.sites.numeric("x")[0] + 6)];
    expect(mean(host)).toBeGreaterThan(10 * bg);
    expect(mean(fresh) / mean(host)).toBeGreaterThan(0.55); // intensity 0.7
    expect(mean(fresh) / mean(host)).toBeLessThan(0.85);
  });

  it("creates vacancies at the knock-on probability 1 − exp(−σ·dose) per frame", () => {
    const m = simulateTransition({ size: [16, 16], frames: 40, crossSection: 1e-5, hopRate: 0, hazard: { base: 0 }, render: false, seed: 2 });
    const row = markovTransitions(m.states, { k: 3 }).toRows().find((r) => r.from === "0" && r.to === "1")!;
    const p = 1 - Math.exp(-1e-5 * 1000);
    expect(row.probabilityLower).toBeLessThan(p);
    expect(row.probabilityUpper).toBeGreaterThan(p);
    expect(m.nucleation).toBeNull();
  });

  it("spreads the same total hazard evenly in the negative control", () => {
    const m = simulateTransition({ ...opts, hazard: { model: "uniform" }, render: false });
    const t = m.nucleation ? m.nucleation.frame : 24, h = m.hazard[t], st = m.states[t - 1];
    const host = Array.from(h).filter((_, i) => st[i] === HOST);
    expect(Math.max(...host) - Math.min(...host)).toBeLessThan(1e-15);
    expect(Array.from(h).filter((_, i) => st[i] !== HOST).every((v) => v === 0)).toBe(true);
  });

  it("names the option in its errors", () => {
    expect(() => simulateTransition({ hazard: { model: "flat" as never } })).toThrow(/simulateTransition: options\.hazard\.model must be one of "descriptors", "uniform"; got "flat"/);
    expect(() => simulateTransition({ size: [2, 10] })).toThrow(/options\.size must be two integers >= 3/);
    expect(() => simulateTransition({ growth: 1.5 })).toThrow(/options\.growth must be a finite number in \[0, 1\], got 1\.5/);
    expect(() => simulateTransition({ frames: 1 })).toThrow(/options\.frames must be an integer >= 2, got 1/);
  });
});
