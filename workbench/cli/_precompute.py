"""The ``precompute`` verb: fill the explanation store for a dataset on a Dask cluster (a
generative model's responses to its prompts)."""

from __future__ import annotations

import argparse

from workbench._errors import StoreError
from workbench.cli._common import MODEL_OPTIONS, write_json
from workbench.explain._names import EXPLANATION_METHODS
from workbench.review._names import DATA_DIR_ENV, DEFAULT_DATA_DIR
from workbench.store._names import SCHEDULER_ENV, STORE_ENV

MSG_UNKNOWN_METHOD = "--method {method!r} is not a method; give some of {known}, comma-separated"
MSG_CANNOT_WRITE = "cannot write the precompute summary to {path}: {reason}"


def add_precompute_command(verbs: argparse._SubParsersAction) -> None:
    """Add the ``precompute`` verb to the sub-commands."""
    parser = verbs.add_parser(
        "precompute",
        parents=[MODEL_OPTIONS],
        help="explain a dataset's rows into the explanation store, on a Dask cluster",
        description="Explain every row of a dataset with the given methods and keep the "
        "explanations in the store; rows already stored are reused, so a rerun after a kill "
        "continues where it stopped. A row that cannot be explained is recorded and reported; "
        "the run goes on. For a generative model (kind: generative) it stores the responses to "
        "the prompts instead, keyed by model, prompt and generation settings, and takes no "
        "--method. Exit 2 on bad input, 3 when the model raised.",
    )
    parser.add_argument("--data", help="CSV or Parquet file of rows (default: the spec's data)")
    parser.add_argument(
        "--method",
        help="methods, comma-separated, e.g. ig,lime (default: the model's default method; "
        "none for a generative model)",
    )
    parser.add_argument("--rows", type=int, help="explain only the first N rows")
    engine = parser.add_mutually_exclusive_group()
    engine.add_argument(
        "--workers", type=int, help="worker processes of the local cluster (default: one per core)"
    )
    engine.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help=f"an existing Dask scheduler, e.g. tcp://host:8786 (default: ${SCHEDULER_ENV}, else "
        "a local cluster); its workers must see the model folder at the same path",
    )
    parser.add_argument(
        "--store",
        metavar="DIR",
        help=f"folder of the explanation store (default: ${STORE_ENV}, else ${DATA_DIR_ENV}, "
        f"else {DEFAULT_DATA_DIR})",
    )
    parser.add_argument(
        "--json", metavar="OUT", help="write a summary (rows, computed, reused, failed) as JSON"
    )
    parser.set_defaults(run=run_precompute)


def run_precompute(args: argparse.Namespace) -> int:
    """Fill the store and report; 0 when the run finished (failed rows are in the report)."""
    from workbench.store import precompute

    methods = None
    if args.method:
        methods = [name.strip() for name in args.method.split(",") if name.strip()]
        for name in methods:
            if name not in EXPLANATION_METHODS:
                known = list(EXPLANATION_METHODS)
                raise StoreError(MSG_UNKNOWN_METHOD.format(method=name, known=known))
    summary = precompute(
        args.model,
        data=args.data,
        methods=methods,
        rows=args.rows,
        workers=args.workers,
        scheduler=args.scheduler,
        store=args.store,
        trust_pickle=args.trust_pickle,
    )
    if args.json:
        write_json(args.json, summary.to_dict(), error=StoreError, message=MSG_CANNOT_WRITE)
    print(
        f"{summary.rows} rows, {', '.join(summary.methods)}: computed {summary.computed}, "
        f"reused {summary.reused}, failed {summary.failed}; store {summary.store}"
    )
    for error in summary.errors:
        print(f"row {error['row']} ({error['method']}): {error['error']}")
    return 0
