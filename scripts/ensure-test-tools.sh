#!/usr/bin/env bash
# Makes sure the programs some tests drive are installed: Debian's `chromium` (the run viewer's
# browser tests, through playwright-core, which downloads no browser itself) and `redis-server`
# (the tests of @trace-ts/scale start their own servers on loopback ports). Whatever is missing is
# installed with apt-get in one go (as root, or through passwordless sudo), retrying three times;
# when that cannot work it says clearly why and what to do. TRACE_CHROMIUM / TRACE_REDIS_SERVER
# name other executables (they are then not installed). Exit status 0 when everything is there.
set -uo pipefail

missing=()
check() { # <override variable value> <default path> <Debian package>
  local override="$1" path="$2" package="$3"
  if [ -n "$override" ]; then
    if [ -x "$override" ] || command -v "$override" > /dev/null 2>&1; then return 0; fi
    echo "ensure-test-tools: $override (set for $package) is not an executable" >&2
    exit 1
  fi
  [ -x "$path" ] || missing+=("$package")
}
check "${TRACE_CHROMIUM:-}" /usr/bin/chromium chromium
check "${TRACE_REDIS_SERVER:-}" /usr/bin/redis-server redis-server
if [ "${#missing[@]}" -eq 0 ]; then exit 0; fi

fail() {
  echo "ensure-test-tools: the tests need ${missing[*]} (Debian packages), and $1." >&2
  echo "  Install them yourself (Debian/Ubuntu: apt-get install ${missing[*]}), or point TRACE_CHROMIUM" >&2
  echo "  / TRACE_REDIS_SERVER at other executables, then run the tests again." >&2
  exit 1
}

if ! command -v apt-get > /dev/null 2>&1; then fail "this machine has no apt-get"; fi
as_root=()
if [ "$(id -u)" != "0" ]; then
  if command -v sudo > /dev/null 2>&1 && sudo -n true > /dev/null 2>&1; then
    as_root=(sudo -n)
  else
    fail "installing them needs root (or passwordless sudo)"
  fi
fi

echo "ensure-test-tools: installing ${missing[*]} for the tests (apt-get)…" >&2
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for attempt in 1 2 3; do
  if "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq > "$log" 2>&1 &&
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >> "$log" 2>&1; then
    echo "ensure-test-tools: installed ${missing[*]}" >&2
    exit 0
  fi
  echo "ensure-test-tools: attempt $attempt of 3 failed; last lines of apt-get:" >&2
  tail -n 5 "$log" >&2
  if [ "$attempt" -lt 3 ]; then sleep $((attempt * 10)); fi
done
fail "apt-get could not install them after 3 attempts (see its lines above)"
