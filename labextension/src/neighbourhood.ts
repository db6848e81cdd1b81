/**
 * Graph structure for the causal-graph widget's highlighting: parents,
 * children, unoriented neighbours and the Markov blanket of a node. (The
 * layout and drawing are shared with the library: src/show/shared/graph-drawing.ts.)
 */
import type { GraphPayload } from '../../src/show/shared/schema';

export interface Neighbourhood {
  parents: Set<string>;
  children: Set<string>;
  /** Undirected/bidirected neighbours (CPDAG/PAG edges that are not oriented). */
  adjacent: Set<string>;
  /** Parents, children, the children's other parents, and unoriented neighbours. */
  markovBlanket: Set<string>;
}

/** Parents, children and Markov blanket of `id` (Pearl 1988). */
export function neighbourhood(g: GraphPayload, id: string): Neighbourhood {
  const parents = new Set<string>(), children = new Set<string>(), adjacent = new Set<string>();
  for (const e of g.edges) {
    if (e.type === 'directed') {
      if (e.to === id && e.from !== id) parents.add(e.from);
      if (e.from === id && e.to !== id) children.add(e.to);
    } else {
      if (e.from === id && e.to !== id) adjacent.add(e.to);
      if (e.to === id && e.from !== id) adjacent.add(e.from);
    }
  }
  const mb = new Set<string>([...parents, ...children, ...adjacent]);
  for (const e of g.edges) if (e.type === 'directed' && children.has(e.to) && e.from !== id) mb.add(e.from);
  return { parents, children, adjacent, markovBlanket: mb };
}
