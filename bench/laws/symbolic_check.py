"""The recovery check of symbolic regression, shared by tests/laws/symbolic.test.ts
and bench/laws/symbolic.py (needs only sympy).

An expression `found` recovers `truth` when, after each float is replaced by the
rational of smallest denominator (<= 100) within `tol` (relative to max(1, |f|)),
either sympy.simplify(found - truth) == 0, or found / truth simplifies to a
number within `tol` of 1 (a fitted irrational factor such as 1/sqrt(2 pi)).
"""
import sympy


def simplest(f, tol):
    """The rational p/q with the smallest q <= 100 within tol of f; f itself when none is."""
    for q in range(1, 101):
        p = round(f * q)
        if abs(p / q - f) <= tol:
            return sympy.Rational(p, q)
    return sympy.Float(f)


def recovered(found, truth, tol):
    """(ok, residue): whether the sympy expression `found` recovers `truth`, and simplify(found - truth) as text."""
    try:
        e = found.xreplace({f: simplest(float(f), tol * max(1.0, abs(float(f)))) for f in found.atoms(sympy.Float)})
        residue = sympy.simplify(e - truth)
        if residue == 0:
            return True, "0"
        ratio = sympy.simplify(e / truth)
        if not ratio.free_symbols and ratio.is_number and abs(complex(ratio) - 1) <= tol:
            return True, str(residue)
        return False, str(residue)
    except Exception as error:  # an expression sympy cannot handle is not a recovery
        return False, f"sympy: {error}"
