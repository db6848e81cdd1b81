/**
 * Linked selections between the views of one page: atom overlays and linked
 * charts whose payloads name the same `link` group share one selection of
 * atom indices. A view publishes its selection; every other view of the
 * group receives it (the sender does not). Module state: one map of groups,
 * in the one copy of this module the extension loads.
 */

/** A selection published in a link group. */
export interface LinkMessage {
  /** Atom indices (rows of the atoms given to show.atoms), ascending. */
  indices: number[];
  /** How it was made, for status lines: "brush in chart", "lasso in overlay"... */
  how: string;
}

type Listener = (msg: LinkMessage) => void;
const groups = new Map<string, Set<Listener>>();

/** A view's membership of a link group. */
export interface LinkMember {
  /** Send a selection to the other members of the group. O(members). */
  publish(msg: LinkMessage): void;
  leave(): void;
}

/** Join `group`: `listener` receives the selections the other members publish. */
export function joinLink(group: string, listener: Listener): LinkMember {
  let members = groups.get(group);
  if (!members) groups.set(group, (members = new Set()));
  members.add(listener);
  return {
    publish(msg) {
      for (const fn of [...(groups.get(group) ?? [])]) if (fn !== listener) fn(msg);
    },
    leave() {
      const m = groups.get(group);
      m?.delete(listener);
      if (m && m.size === 0) groups.delete(group);
    }
  };
}
