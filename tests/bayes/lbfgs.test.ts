/**
 * minimizeLbfgsb (src/bayes/lbfgs.ts) with scipy's L-BFGS-B stopping rule and defaults (gtol 1e-5 on
 * max |x − P(x − ∇f)|, ftol 2.22e-9 relative decrease): Rosenbrock from (−1.2, 1) to (1, 1) in as many
 * evaluations as scipy needs (≈ 45); a minimum outside the box stops at the bound, where the projected gradient is 0.
 */
import { minimizeLbfgsb } from "../../src/bayes";

describe("minimizeLbfgsb", () => {
  it("Rosenbrock: converges to (1, 1) within 1e-5 in < 60 evaluations with the default (scipy) tolerances", () => {
    const r = minimizeLbfgsb((x, g) => {
      const [a, b] = x;
      g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
      g[1] = 200 * (b - a * a);
      return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
    }, [-1.2, 1]);
    expect(r.converged).toBe(true);
    expect(Math.abs(r.x[0] - 1)).toBeLessThan(1e-5);
    expect(Math.abs(r.x[1] - 1)).toBeLessThan(1e-5);
    expect(r.evaluations).toBeLessThan(60);
  });
  it("a minimum outside the box: stops at the bound (projected gradient 0 there although ∇f is not)", () => {
    const r = minimizeLbfgsb((x, g) => {
      g[0] = 2 * (x[0] - 3);
      g[1] = 2 * (x[1] + 1);
      return (x[0] - 3) ** 2 + (x[1] + 1) ** 2;
    }, [0.5, 0.5], { lower: [0, -5], upper: [2, 5] });
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBe(2);
    expect(Math.abs(r.x[1] + 1)).toBeLessThan(1e-5);
    expect(r.evaluations).toBeLessThan(10);
  });
});
