#!/usr/bin/env bash
# Makes sure Debian's Alertmanager (which brings amtool) is installed: the monitoring package's tests
# run `amtool check-config` and `amtool config routes test` on the Alertmanager config it renders.
# Installs it when missing (needs root, as on CI and the development machines); fails loudly when
# it cannot, rather than letting those tests fail later with a less obvious error.
set -euo pipefail

if command -v amtool >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-alertmanager: amtool is missing and this is not root; install it with" >&2
  echo "  sudo apt-get install -y --no-install-recommends prometheus-alertmanager" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-alertmanager: amtool is missing and apt-get is not available; install Alertmanager (amtool included) by hand" >&2
  exit 1
fi

echo "ensure-alertmanager: installing Debian's prometheus-alertmanager package (brings amtool)" >&2
log="$(mktemp)"
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus-alertmanager; } >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "ensure-alertmanager: apt-get could not install prometheus-alertmanager" >&2
  exit 1
fi
rm -f "$log"

# The package's service is not needed: the tests only check configs offline.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus-alertmanager 2>/dev/null; then
  systemctl stop prometheus-alertmanager >/dev/null 2>&1 || true
fi

if ! command -v amtool >/dev/null 2>&1; then
  echo "ensure-alertmanager: the prometheus-alertmanager package installed, but amtool is still not on PATH" >&2
  exit 1
fi
