export * from "./grid";
export * from "./detect";
export * from "./refine";
export * from "./sublattice";
export * from "./find";
export * from "./crb";
export * from "./lattice";
export * from "./crystallography";
