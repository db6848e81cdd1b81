/**
 * @jest-environment ./tests/atoms/deep-engine/host-typed-arrays.env.js
 *
 * The contract of issue 11: `await cs.findAtoms(image, { method: "deep" })`
 * with no other option gives the learned finder's table (numeric x, y,
 * uncertainty read with `table.numeric`), the same columns as the classical
 * finder; an unknown method or filter value throws naming the accepted values.
 */
import * as cs from "../../src";
import { matchAtoms } from "../../src/atoms";

const lattice = cs.synth.perovskite({ width: 128, height: 128, latticeConstant: 16, dose: 1e4, seed: 3 });

describe("findAtoms method", () => {
  test('method "deep" through cs.findAtoms: a Table with x, y, uncertainty that matches the truth', async () => {
    const atoms = await cs.findAtoms(lattice.image, { method: "deep" });
    const x = atoms.numeric("x"), y = atoms.numeric("y"), u = atoms.numeric("uncertainty");
    expect(x.length).toBeGreaterThan(20);
    expect(y.length).toBe(x.length);
    expect(u.length).toBe(x.length);
    for (const v of u) expect(v).toBeGreaterThan(0);
    const m = matchAtoms({ x, y }, lattice.atoms, { tolerance: 3, excludeBorder: 6, width: 128, height: 128 });
    expect(m.f1).toBeGreaterThan(0.9);
    // The classical table has the same position columns.
    const classical = await cs.findAtoms(lattice.image);
    for (const name of ["x", "y", "uncertainty"]) expect(atoms.columnNames).toContain(name), expect(classical.columnNames).toContain(name);
  }, 120_000);

  test("unknown enumerated values throw naming the accepted values", () => {
    expect(() => cs.findAtoms(lattice.image, { method: "Deep" as never })).toThrow(/method must be one of "classical", "deep"; got "Deep"/);
    expect(() => cs.findAtoms(lattice.image, { filter: "LoG" as never })).toThrow(/filter must be one of "gaussian", "log"; got "LoG"/);
  });
});
