#!/usr/bin/env bash
# What the tests need beyond npm: nats-server (the process tests start their own) and Chromium at
# /usr/bin/chromium (test/docs-browser.test.ts). Installs the missing ones from Debian/Ubuntu's
# packages, as root or through passwordless sudo; otherwise stops with one line naming the command.
# `npm test` runs it first and .ci/run calls it: one place for both.
set -uo pipefail

# Debian puts nats-server in /usr/sbin, which a non-root PATH may lack (the vitest configs add it too).
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin" ;; esac

# The Debian package names of what is absent, space-separated.
missing_packages() {
  local missing=()
  command -v nats-server >/dev/null 2>&1 || missing+=(nats-server)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  echo "${missing[*]}"
}

missing="$(missing_packages)"
[ -z "$missing" ] && exit 0

# One line on stderr, then a non-zero exit: the reason and the command the user should run.
stop() {
  echo "npm test: ${missing// / and } missing ($1); run: sudo apt-get update && sudo apt-get install -y $missing" >&2
  exit 1
}

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true </dev/null >/dev/null 2>&1; then
  as_root=(sudo -n)
else
  stop "not root and no passwordless sudo"
fi
command -v apt-get >/dev/null 2>&1 || stop "no apt-get here"

log="$(mktemp "${TMPDIR:-/tmp}/bunmesh-prerequisites.XXXXXX.log")"
echo "npm test: installing $missing from Debian's packages (apt-get, log $log)"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086 # $missing is a list of package names
if ! { "${as_root[@]}" apt-get update -qq && "${as_root[@]}" apt-get install -y -qq $missing; } </dev/null >"$log" 2>&1; then
  stop "apt-get failed, see $log"
fi
missing="$(missing_packages)"
[ -z "$missing" ] || stop "still absent after apt-get, see $log"
echo "npm test: installed; nats-server is $(command -v nats-server), Chromium /usr/bin/chromium"
