/** The package entry exports `show` and `selection` (as cells use them: cs.show.atoms, cs.selection()). */
import * as cs from "causalscope";

it("exports show.atoms, show.graph and selection from the package", () => {
  expect(typeof cs.show.atoms).toBe("function");
  expect(typeof cs.show.graph).toBe("function");
  expect(cs.selection).toBe(cs.show.selection);
  expect(cs.selection()).toEqual([]);
});
