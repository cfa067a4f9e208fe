#!/usr/bin/env bash
# Cross-check the harness's policies against libCacheSim's Python package (issue 12).
#
# Builds its own venv under target/ (python3 -m venv + pip install libcachesim), converts
# web07, the first 1,000,000 requests of orm-busy and a sized synthetic trace to oracleGeneral,
# replays fifo, clock, sieve, s3fifo, arc, lfu, belady, gdsf (and belady-size on the sized trace)
# at three sizes each in both tools, prints one table and exits 1 on any difference. It also
# prints the speed ratios on the orm-busy replay.
#
# Traces: $GENCACHE_TRACES, or ../shared/traces beside the checkout.
# Takes about 3 minutes on 2 busy cores (most of it libCacheSim and the harness on orm-busy).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
TRACES=${GENCACHE_TRACES:-$ROOT/../shared/traces}
if [ ! -f "$TRACES/web07.trace.xz" ]; then
  echo "error: no traces at $TRACES (set GENCACHE_TRACES, or put shared/traces beside the checkout)" >&2
  exit 2
fi
VENV=$ROOT/target/libcachesim-venv
if ! "$VENV/bin/python" -c "import libcachesim" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet libcachesim
fi
echo "libcachesim $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("libcachesim"))')" >&2

cargo build --release --quiet -p harness
H=$ROOT/target/release/harness
DIR=$ROOT/target/crosscheck
mkdir -p "$DIR"
"$H" --quiet convert "$TRACES/web07.trace.xz" --unit-size --out "$DIR/web07.oracleGeneral"
"$H" --quiet convert "$TRACES/orm-busy.trace.xz" --unit-size --requests 1000000 --out "$DIR/orm-busy-1m.oracleGeneral"
"$H" --quiet gen -w scripts/crosscheck/sized.toml --out "$DIR/sized.csv"
"$H" --quiet convert "$DIR/sized.csv" --out "$DIR/sized.oracleGeneral"

exec "$VENV/bin/python" scripts/crosscheck/crosscheck.py "$H" scripts/crosscheck/unit-cost.toml \
  "web07:$DIR/web07.oracleGeneral:76118:unit:100,1000,5000" \
  "orm-busy:$DIR/orm-busy-1m.oracleGeneral:1000000:unit:1000,10000,50000" \
  "sized:$DIR/sized.oracleGeneral:200000:bytes:16777216,67108864,268435456"
