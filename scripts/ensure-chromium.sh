#!/usr/bin/env bash
# Makes sure a Chromium is there for the browser tests of @trace-ts/viewer (Playwright drives the
# system's browser; nothing is downloaded by Playwright itself). TRACE_CHROMIUM names another
# executable. When /usr/bin/chromium is missing it installs Debian's `chromium` package with
# apt-get (as root, or through passwordless sudo), retrying three times, and says clearly why when
# it cannot. Exit status 0 when the browser is ready.
set -uo pipefail

if [ -n "${TRACE_CHROMIUM:-}" ]; then
  if [ -x "$TRACE_CHROMIUM" ]; then exit 0; fi
  echo "ensure-chromium: TRACE_CHROMIUM=$TRACE_CHROMIUM is not an executable file" >&2
  exit 1
fi
if [ -x /usr/bin/chromium ]; then exit 0; fi

fail() {
  echo "ensure-chromium: the browser tests need Chromium at /usr/bin/chromium, and it $1." >&2
  echo "  Install it yourself (Debian/Ubuntu: apt-get install chromium), or point TRACE_CHROMIUM at a" >&2
  echo "  Chromium or Chrome executable, then run the tests again." >&2
  exit 1
}

if ! command -v apt-get > /dev/null 2>&1; then fail "is missing and this machine has no apt-get"; fi
as_root=()
if [ "$(id -u)" != "0" ]; then
  if command -v sudo > /dev/null 2>&1 && sudo -n true > /dev/null 2>&1; then
    as_root=(sudo -n)
  else
    fail "is missing and installing it needs root (or passwordless sudo)"
  fi
fi

echo "ensure-chromium: installing Debian's chromium for the browser tests (apt-get)…" >&2
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for attempt in 1 2 3; do
  if "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq > "$log" 2>&1 &&
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >> "$log" 2>&1 &&
    [ -x /usr/bin/chromium ]; then
    echo "ensure-chromium: installed $(/usr/bin/chromium --version 2> /dev/null || echo chromium)" >&2
    exit 0
  fi
  echo "ensure-chromium: attempt $attempt of 3 failed; last lines of apt-get:" >&2
  tail -n 5 "$log" >&2
  if [ "$attempt" -lt 3 ]; then sleep $((attempt * 10)); fi
done
fail "could not be installed with apt-get after 3 attempts (see the apt-get lines above)"
