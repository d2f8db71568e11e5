#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed: the analytics tests render the HTML report in headless
# Chromium (packages/analytics/test/html-report-chromium.test.ts) and look at the parsed page and a
# screenshot. Installs it when missing (needs root, as on CI and the development machines); fails
# loudly when it cannot, rather than letting that test fail later with a less obvious error.
# PREDLOG_CHROMIUM names another binary (the test uses it too).
set -euo pipefail

binary="${PREDLOG_CHROMIUM:-chromium}"
if command -v "$binary" >/dev/null 2>&1; then
  exit 0
fi
if [ -n "${PREDLOG_CHROMIUM:-}" ]; then
  echo "ensure-chromium: PREDLOG_CHROMIUM=$PREDLOG_CHROMIUM is not an executable on PATH" >&2
  exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-chromium: chromium is missing and this is not root; install it with" >&2
  echo "  sudo apt-get install -y --no-install-recommends chromium fonts-dejavu-core" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: chromium is missing and apt-get is not available; install Chromium by hand (or set PREDLOG_CHROMIUM)" >&2
  exit 1
fi

echo "ensure-chromium: installing Debian's chromium package" >&2
log="$(mktemp)"
# A font, so the screenshot has text in it on a minimal image.
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; } >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "ensure-chromium: apt-get could not install chromium" >&2
  exit 1
fi
rm -f "$log"

if ! command -v chromium >/dev/null 2>&1; then
  echo "ensure-chromium: the chromium package installed, but chromium is still not on PATH" >&2
  exit 1
fi
