/**
 * Prior knowledge shared by every structure-learning algorithm (the
 * `whitelist` / `blacklist` of bnlearn, causal-learn's BackgroundKnowledge):
 * - `required`: directed edges that must appear ("a->b" or ["a", "b"]);
 * - `forbidden`: directed edges that must not appear (forbid both
 *   directions to forbid an adjacency);
 * - `tiers`: a temporal / causal order of groups of variables: no edge may
 *   point from a later tier into an earlier one (e.g. composition before
 *   lattice before polarization); `forbidWithinTier` also forbids edges
 *   inside a tier.
 * A prior that is itself contradictory (required edges forming a cycle, an
 * edge both required and forbidden, a required edge against the tiers) is
 * rejected with an error naming the edge.
 */
export type EdgeSpec = string | [string, string];

export interface Prior {
  required?: EdgeSpec[];
  forbidden?: EdgeSpec[];
  tiers?: string[][];
  forbidWithinTier?: boolean;
}

/** Prior knowledge resolved to variable indices. */
export class Knowledge {
  readonly p: number;
  private forb: Uint8Array;
  private req: Uint8Array;
  readonly requiredEdges: [number, number][] = [];
  readonly empty: boolean;
  constructor(names: string[], prior: Prior | undefined, fn = "learnStructure") {
    const p = names.length;
    this.p = p;
    this.forb = new Uint8Array(p * p);
    this.req = new Uint8Array(p * p);
    const index = new Map(names.map((n, i) => [n, i]));
    const parse = (e: EdgeSpec, what: string): [number, number] => {
      let a: string, b: string;
      if (typeof e === "string") {
        const parts = e.split("->");
        if (parts.length !== 2) throw new Error(`${fn}: prior.${what} edge "${e}" must be written "from->to"`);
        [a, b] = parts.map((s) => s.trim());
      } else if (Array.isArray(e) && e.length === 2) [a, b] = e;
      else throw new Error(`${fn}: prior.${what} entry ${JSON.stringify(e)} must be "from->to" or [from, to]`);
      const i = index.get(a);
      const j = index.get(b);
      if (i === undefined) throw new Error(`${fn}: prior.${what} edge ${a}->${b}: "${a}" is not a column`);
      if (j === undefined) throw new Error(`${fn}: prior.${what} edge ${a}->${b}: "${b}" is not a column`);
      if (i === j) throw new Error(`${fn}: prior.${what} edge ${a}->${b} is a self-loop`);
      return [i, j];
    };
    for (const e of prior?.forbidden ?? []) {
      const [i, j] = parse(e, "forbidden");
      this.forb[i * p + j] = 1;
    }
    if (prior?.tiers) {
      const tier = new Int32Array(p).fill(-1);
      prior.tiers.forEach((t, k) => {
        if (!Array.isArray(t)) throw new Error(`${fn}: prior.tiers[${k}] must be an array of column names`);
        for (const v of t) {
          const i = index.get(v);
          if (i === undefined) throw new Error(`${fn}: prior.tiers[${k}]: "${v}" is not a column`);
          if (tier[i] >= 0) throw new Error(`${fn}: prior.tiers: "${v}" appears in tiers ${tier[i]} and ${k}`);
          tier[i] = k;
        }
      });
      for (let i = 0; i < p; i++)
        for (let j = 0; j < p; j++) {
          if (i === j || tier[i] < 0 || tier[j] < 0) continue;
          if (tier[i] > tier[j] || (prior.forbidWithinTier && tier[i] === tier[j])) this.forb[i * p + j] = 1;
        }
    }
    for (const e of prior?.required ?? []) {
      const [i, j] = parse(e, "required");
      if (this.forb[i * p + j]) throw new Error(`${fn}: prior: edge ${names[i]}->${names[j]} is both required and forbidden (by prior.forbidden or prior.tiers)`);
      if (this.req[j * p + i]) throw new Error(`${fn}: prior.required has both ${names[i]}->${names[j]} and ${names[j]}->${names[i]} (a 2-cycle)`);
      if (!this.req[i * p + j]) this.requiredEdges.push([i, j]);
      this.req[i * p + j] = 1;
    }
    // the required edges must be acyclic
    const indeg = new Int32Array(p);
    for (const [, j] of this.requiredEdges) indeg[j]++;
    const q: number[] = [];
    for (let i = 0; i < p; i++) if (!indeg[i]) q.push(i);
    let seen = 0;
    while (q.length) {
      const i = q.pop()!;
      seen++;
      for (const [a, b] of this.requiredEdges) if (a === i && --indeg[b] === 0) q.push(b);
    }
    if (seen < p) {
      const cyc = names.filter((_, i) => indeg[i] > 0);
      throw new Error(`${fn}: prior.required edges form a directed cycle through ${cyc.join(", ")}; a causal graph must be acyclic`);
    }
    this.empty = !this.requiredEdges.length && !this.forb.some((v) => v);
  }
  /** Is the directed edge i -> j forbidden? */
  forbidden(i: number, j: number): boolean {
    return this.forb[i * this.p + j] === 1;
  }
  /** Is the directed edge i -> j required? */
  required(i: number, j: number): boolean {
    return this.req[i * this.p + j] === 1;
  }
  /** Is any edge between i and j allowed? */
  adjacencyAllowed(i: number, j: number): boolean {
    return !(this.forbidden(i, j) && this.forbidden(j, i));
  }
  /** Is the pair required to be adjacent? */
  adjacencyRequired(i: number, j: number): boolean {
    return this.required(i, j) || this.required(j, i);
  }
}
