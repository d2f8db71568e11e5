#!/usr/bin/env bash
# Makes sure Debian's Prometheus (which brings promtool) is installed: the metrics integration tests
# start a real Prometheus and run `promtool check rules` / `promtool test rules`.
# Installs it when missing (needs root, as on CI and the development machines); fails loudly when
# it cannot, rather than letting those tests fail later with a less obvious error.
set -euo pipefail

if command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-prometheus: promtool/prometheus are missing and this is not root; install them with" >&2
  echo "  sudo apt-get install -y --no-install-recommends prometheus" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-prometheus: promtool/prometheus are missing and apt-get is not available; install Prometheus (promtool included) by hand" >&2
  exit 1
fi

echo "ensure-prometheus: installing Debian's prometheus package (brings promtool)" >&2
log="$(mktemp)"
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus; } >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "ensure-prometheus: apt-get could not install prometheus" >&2
  exit 1
fi
rm -f "$log"

# The package's service is not needed: tests start their own Prometheus on a free loopback port.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  systemctl stop prometheus >/dev/null 2>&1 || true
fi

if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
  echo "ensure-prometheus: the prometheus package installed, but promtool or prometheus is still not on PATH" >&2
  exit 1
fi
