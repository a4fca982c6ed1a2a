#!/usr/bin/env bash
# The wall draws only scatter and bar traces: plotly.js's "basic" bundle (1.2 MB, against 4.8 MB for
# the full one that ships with plotly for Python) halves the time to a drawn wall on a cold page.
# Dash's graphs use a Plotly already on the page, so the bundle goes in assets/vendor/ (not in git).
# It comes from the npm registry, pinned and checked by its hash; without npm, or offline, the wall
# falls back to the full bundle and works the same, only slower to first paint.
set -uo pipefail
VERSION=4.1.1  # plotly.js as bundled by plotly for Python 7.1
SHA256=99784e3abfb07b142a15e521a439e6d9addceadb3f79553fd24c72774f0649ba
target="$(dirname "$0")/../assets/vendor/plotly-basic.min.js"
[ -f "$target" ] && echo "$SHA256  $target" | sha256sum -c --quiet - 2>/dev/null && exit 0
if ! command -v npm >/dev/null 2>&1; then
  echo "note: npm not found; the wall uses plotly's full bundle (slower first paint)" >&2
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! (cd "$work" && npm pack --silent "plotly.js-basic-dist-min@$VERSION" >/dev/null 2>&1 \
      && tar xzf "plotly.js-basic-dist-min-$VERSION.tgz" package/plotly-basic.min.js); then
  echo "note: could not fetch plotly.js-basic-dist-min@$VERSION; the wall uses plotly's full bundle" >&2
  exit 0
fi
if ! echo "$SHA256  $work/package/plotly-basic.min.js" | sha256sum -c --quiet - ; then
  echo "error: plotly.js-basic-dist-min@$VERSION does not match its pinned hash; not installed" >&2
  exit 0
fi
mkdir -p "$(dirname "$target")"
cp "$work/package/plotly-basic.min.js" "$target"
