#!/usr/bin/env bash
# Installs a Vulkan loader and Mesa's software Vulkan driver (lavapipe) so that onnxruntime-node's
# WebGPU execution provider (Dawn on Vulkan) finds an adapter on a machine without a GPU.
#
# Why backports: Dawn rejects bookworm's own Mesa 22.3 ("No supported adapters"); Mesa >= 25 from
# bookworm-backports works. Backports is usually not among a machine's apt suites, so this script adds
# it, reusing the URI (and keyring) of the machine's existing Debian source, read at run time: no
# mirror address is written into the repository.
#
# Idempotent: exits at once when Mesa's Vulkan driver >= 25 and libvulkan1 are already installed.
# Needs root (or sudo). Debian bookworm only.
set -euo pipefail

min_mesa=25
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup-vulkan: run as root (or install sudo)" >&2; exit 1; }
  sudo_cmd=(sudo)
fi

installed_version() { dpkg-query -W -f='${db:Status-Abbrev} ${Version}' "$1" 2>/dev/null | awk '$1=="ii"{print $2}'; }

mesa_ok() {
  local v
  v=$(installed_version mesa-vulkan-drivers)
  [ -n "$v" ] && dpkg --compare-versions "$v" ge "$min_mesa" && [ -n "$(installed_version libvulkan1)" ]
}

if mesa_ok; then
  echo "setup-vulkan: mesa-vulkan-drivers $(installed_version mesa-vulkan-drivers) and libvulkan1 $(installed_version libvulkan1) already installed"
  exit 0
fi

. /etc/os-release
codename=${VERSION_CODENAME:-}
if [ "${ID:-}" != debian ] || [ -z "$codename" ]; then
  echo "setup-vulkan: this script knows Debian only (found ${PRETTY_NAME:-unknown}). Install Mesa >= $min_mesa's Vulkan driver (lavapipe) and the Vulkan loader with your distribution's tools." >&2
  exit 1
fi
backports="$codename-backports"

# Prints "URI<TAB>Signed-By" of the first apt source that serves the suite "$codename" (the main
# Debian archive, not -security or -updates), from one-line .list files and deb822 .sources files.
find_debian_source() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    # deb [options] URI suite components...
    awk -v suite="$codename" '
      $1 == "deb" {
        opts = ""; i = 2
        if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) { opts = opts " " $i; i++ } opts = opts " " $i; i++ }
        if ($(i + 1) == suite) {
          key = ""
          if (match(opts, /signed-by=[^] ]+/)) key = substr(opts, RSTART + 10, RLENGTH - 10)
          print $i "\t" key; exit
        }
      }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # Stanzas are separated by blank lines; fields are "Name: value".
    awk -v suite="$codename" '
      function flush() {
        if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && enabled != "no") { split(uris, u, " "); print u[1] "\t" key; found = 1 }
        types = uris = suites = key = enabled = ""
      }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); if (found) exit; next }
      { name = tolower($1); sub(/:$/, "", name); $1 = ""; sub(/^ +/, "")
        if (name == "types") types = $0; else if (name == "uris") uris = $0
        else if (name == "suites") suites = $0; else if (name == "signed-by") key = $0
        else if (name == "enabled") enabled = tolower($0) }
      END { if (!found) flush() }' "$f"
  done
}

has_backports_source() {
  # Only files apt reads (*.list, *.sources), and no commented-out lines.
  grep -rqsE --include='*.list' --include='*.sources' "^[^#]*(^|[[:space:]])$backports([[:space:]]|$)" \
    /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null
}

if ! has_backports_source; then
  line=$(find_debian_source | head -n1)
  uri=${line%%$'\t'*}
  key=${line#*$'\t'}
  if [ -z "$uri" ]; then
    echo "setup-vulkan: no apt source for suite '$codename' found in /etc/apt/sources.list or /etc/apt/sources.list.d/; add one, or add '$backports' yourself." >&2
    exit 1
  fi
  [ -n "$key" ] || key=/usr/share/keyrings/debian-archive-keyring.gpg
  echo "setup-vulkan: adding $backports from $uri"
  printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' "$uri" "$backports" "$key" |
    "${sudo_cmd[@]}" tee "/etc/apt/sources.list.d/$backports.sources" >/dev/null
fi

# Refresh the package lists when apt does not know backports' mesa yet (a fresh source, or lists
# that were never fetched).
if ! apt-cache policy mesa-vulkan-drivers 2>/dev/null | grep -q "$backports"; then
  "${sudo_cmd[@]}" apt-get update -qq
fi

DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
  -t "$backports" libvulkan1 mesa-vulkan-drivers

if ! mesa_ok; then
  echo "setup-vulkan: mesa-vulkan-drivers >= $min_mesa did not install (got '$(installed_version mesa-vulkan-drivers)')." >&2
  exit 1
fi
echo "setup-vulkan: installed mesa-vulkan-drivers $(installed_version mesa-vulkan-drivers), libvulkan1 $(installed_version libvulkan1)"
