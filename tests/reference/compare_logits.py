#!/usr/bin/python3
"""Compare two logits JSON files ({"logits": [[...], ...]}) by relative L2 error.

    compare_logits.py --engine A.json --reference B.json --tol T [--last-only]

Prints one line: rel_l2 = ||A - B|| / ||B|| over all rows (or the last row of each with
--last-only), plus the worst single row's relative error and its index. Exits 0 when
rel_l2 <= T, 1 when it is larger or when the inputs cannot be compared (unreadable, empty,
ragged, shapes differ, NaN or infinity, all-zero reference), with a clear message.
"""

import argparse
import json
import sys

import numpy as np


class CompareError(Exception):
    pass


def load_logits(path, label):
    """F64 [n_rows, n_vocab] from a logits JSON file; CompareError on anything odd."""
    try:
        with open(path, "r") as handle:
            doc = json.load(handle)
    except OSError as err:
        raise CompareError("%s: cannot read %s: %s" % (label, path, err.strerror)) from None
    except ValueError as err:
        raise CompareError("%s: %s is not valid JSON: %s" % (label, path, err)) from None
    if not isinstance(doc, dict) or "logits" not in doc:
        raise CompareError('%s: %s has no "logits" key' % (label, path))
    rows = doc["logits"]
    if not isinstance(rows, list) or not rows:
        raise CompareError("%s: %s has no logits rows" % (label, path))
    if not all(isinstance(row, list) for row in rows):
        raise CompareError("%s: %s: logits must be a list of rows" % (label, path))
    lengths = {len(row) for row in rows}
    if len(lengths) != 1:
        raise CompareError("%s: %s: rows have different lengths %s"
                           % (label, path, sorted(lengths)))
    if 0 in lengths:
        raise CompareError("%s: %s: logits rows are empty" % (label, path))
    try:
        values = np.array(rows, dtype=np.float64)
    except (TypeError, ValueError):
        raise CompareError("%s: %s: logits hold non-numbers" % (label, path)) from None
    bad = ~np.isfinite(values)
    if bad.any():
        row_idx, col_idx = np.argwhere(bad)[0]
        raise CompareError("%s: %s: %d non-finite values (first at row %d, column %d)"
                           % (label, path, int(bad.sum()), row_idx, col_idx))
    return values


def compare(engine, reference, last_only):
    """(rel_l2, worst_row_rel, worst_row_idx); CompareError when shapes cannot match."""
    if last_only:
        engine = engine[-1:]
        reference = reference[-1:]
    if engine.shape != reference.shape:
        raise CompareError("shape mismatch: engine %s vs reference %s"
                           % (list(engine.shape), list(reference.shape)))
    ref_norm = np.linalg.norm(reference)
    if ref_norm == 0.0:
        raise CompareError("reference logits are all zero: relative error undefined")
    rel_l2 = float(np.linalg.norm(engine - reference) / ref_norm)
    row_err = np.linalg.norm(engine - reference, axis=1)
    row_ref = np.linalg.norm(reference, axis=1)
    # A zero reference row counts as infinitely wrong unless the engine row is zero too.
    with np.errstate(divide="ignore", invalid="ignore"):
        row_rel = np.where(row_ref > 0, row_err / np.where(row_ref > 0, row_ref, 1.0),
                           np.where(row_err > 0, np.inf, 0.0))
    worst_idx = int(np.argmax(row_rel))
    if last_only:
        worst_idx = -1  # reported as the last row
    return rel_l2, float(row_rel.max()), worst_idx


def main(argv=None):
    parser = argparse.ArgumentParser(description="Relative L2 error between two logits files.")
    parser.add_argument("--engine", required=True, help="logits JSON under test")
    parser.add_argument("--reference", required=True, help="logits JSON of the oracle")
    parser.add_argument("--tol", required=True, type=float, help="max relative L2 error")
    parser.add_argument("--last-only", action="store_true", help="compare the last rows only")
    args = parser.parse_args(argv)
    if not np.isfinite(args.tol) or args.tol < 0:
        print("FAIL: --tol must be a finite non-negative number", file=sys.stderr)
        return 1
    try:
        engine = load_logits(args.engine, "engine")
        reference = load_logits(args.reference, "reference")
        rel_l2, worst_rel, worst_idx = compare(engine, reference, args.last_only)
    except CompareError as err:
        print("FAIL: %s" % err)
        return 1
    scope = "last row" if args.last_only else "%d rows" % engine.shape[0]
    worst = "last" if worst_idx < 0 else str(worst_idx)
    verdict = "ok" if rel_l2 <= args.tol else "FAIL"
    print("rel_l2=%.3e (tol %g, %s, worst row %s rel=%.3e) %s"
          % (rel_l2, args.tol, scope, worst, worst_rel, verdict))
    return 0 if rel_l2 <= args.tol else 1


if __name__ == "__main__":
    sys.exit(main())
