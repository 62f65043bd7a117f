#!/usr/bin/env bash
# Serve the main app, notebooks/ethics_review.ipynb, with Voila.
#
# This is the one place that says how the app is served: `make serve` runs it and the
# browser tests and bench/bench_voila.py run it too (tests/browser/servers.py), so what is
# tested and measured is what is served.
#
# Environment:
#   PORT                port on 127.0.0.1 (default 8866); the server only binds the loopback address
#   VOILA               voila executable (default: .venv/bin/voila of this repository)
#   WORKBENCH_TOKEN     if set and non-empty, every request must carry it: open
#                       http://127.0.0.1:PORT/?token=<WORKBENCH_TOKEN> once (a cookie is then set).
#                       Unset or empty: no token, which is fine on a single-user machine.
#   WORKBENCH_NOTEBOOK  the notebook to serve, relative to the repository or absolute (default
#                       notebooks/ethics_review.ipynb); bench/bench_voila.py uses it to serve a
#                       bare notebook with the same options
#   WORKBENCH_MODELS, WORKBENCH_CATALOG, WORKBENCH_SAMPLES
#                       the models the app lists (spec files joined with ':', a catalog file, 1 to
#                       add the samples), read by the app's kernel; `workbench serve --model,
#                       --catalog, --samples` set them (workbench/app/catalog.py)
#   WORKBENCH_PREHEAT   1 (default): keep a pre-heated kernel (below); 0: run the notebook in a
#                       new kernel on each page request (bench/bench_voila.py measures both)
#   WORKBENCH_ABANDONED_KERNEL_S
#                       seconds a kernel lives on with no page connected (default 90; the
#                       browser tests shorten it)
#
# Options, in order:
#   single notebook (never a directory tree), loopback only, no browser, port;
#   template "workbench" (share/jupyter/voila/templates/workbench): Voila's "lab" template
#     without its CDN references (Font Awesome <link>s, Mermaid loader), so the page requests
#     nothing outside the server; it cannot be swapped through the URL or notebook metadata;
#   strip_sources / show_tracebacks=False: no cell source and no traceback reaches the browser;
#   preheat_kernel + pool_size=1: one kernel has already run the notebook when a user arrives;
#   kernel manager scripts/voila_kernels.py: kernels start without the token in their
#     environment, pages cannot shut them down over the websocket, and the culler counts a
#     kernel's idle time from its last page disconnecting;
#   cull_idle_timeout/cull_interval: a kernel with no page connected goes after
#     WORKBENCH_ABANDONED_KERNEL_S seconds (default 90) plus at most a sixth of that, so within
#     2 minutes of a tab's connection closing without unloading (a crash); a connected page
#     keeps its kernel however long it sits idle (cull_connected=False);
#   identity provider scripts/voila_identity.py: Voila's own (each visitor an anonymous user
#     in a signed cookie), which also sets the _xsrf cookie that the page's "shut my kernel
#     down" request needs when the visitor leaves, and answers 404/403 where Voila's routes
#     answer 500; authorizer (same file): a kernel is used and shut down by its own visitor only;
#   WORKBENCH_SERVED=1 in the kernels' environment: the app's first import sends the kernel's
#     stderr, warnings and logging to this server's log, never to the page
#     (workbench/app/serving.py).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

port="${PORT:-8866}"
voila="${VOILA:-$repo/.venv/bin/voila}"
notebook="${WORKBENCH_NOTEBOOK:-notebooks/ethics_review.ipynb}"
case "${WORKBENCH_PREHEAT:-1}" in
    1) preheat=True ;;
    0) preheat=False ;;
    *) echo "WORKBENCH_PREHEAT must be 1 or 0, not '$WORKBENCH_PREHEAT'" >&2; exit 2 ;;
esac

# Voila finds templates under $JUPYTER_PATH/voila/templates/<name>, and the identity provider
# on the Python path.
export JUPYTER_PATH="$repo/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
export PYTHONPATH="$repo/scripts${PYTHONPATH:+:$PYTHONPATH}"

# Abandoned kernels: culled this many seconds after their last page disconnected, checked every
# sixth of that (at least every second).
abandoned_s="${WORKBENCH_ABANDONED_KERNEL_S:-90}"
if [[ ! "$abandoned_s" =~ ^[1-9][0-9]*$ ]]; then
    echo "WORKBENCH_ABANDONED_KERNEL_S must be a whole number of seconds, not '$abandoned_s'" >&2
    exit 2
fi
cull_interval_s=$(( (abandoned_s + 5) / 6 ))

# Kernel-side: the app's first import routes the kernel's stderr, warnings and logging to this
# server's log (workbench/app/serving.py).
export WORKBENCH_SERVED=1

args=(
    --no-browser
    --Voila.ip=127.0.0.1
    --port="$port"
    --Voila.port_retries=0
    --template=workbench
    --VoilaConfiguration.allow_template_override=NO
    --strip_sources=True
    --show_tracebacks=False
    --preheat_kernel="$preheat"
    --pool_size=1
    # Kernels without the token, not shut down from pages, culled once abandoned:
    --VoilaConfiguration.multi_kernel_manager_class=voila_kernels.WorkbenchKernelManager
    --MappingKernelManager.cull_idle_timeout="$abandoned_s"
    --MappingKernelManager.cull_interval="$cull_interval_s"
    --MappingKernelManager.cull_connected=False
    # Each visitor an anonymous user in a signed cookie, with the _xsrf cookie; no 500s:
    --Voila.identity_provider_class=voila_identity.VisitorIdentityProvider
    # A kernel is used and shut down by its own visitor only:
    --Voila.authorizer_class=voila_identity.VisitorAuthorizer
)

if [[ -n "${WORKBENCH_TOKEN:-}" ]]; then
    # auto_token hands the token to jupyter_server's identity provider, which reads it from
    # JUPYTER_TOKEN; this keeps it out of the process list. (Not the bare `--token` flag: it
    # would swallow the next argument, the notebook, as the token and serve the directory.)
    export JUPYTER_TOKEN="$WORKBENCH_TOKEN"
    args+=(--Voila.auto_token=True)
else
    unset JUPYTER_TOKEN
fi

exec "$voila" "${args[@]}" "$notebook"
