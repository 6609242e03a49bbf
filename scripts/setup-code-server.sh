#!/usr/bin/env bash
# Installs code-server (a real VS Code: workbench in the browser, extension host in Node) into
# .cache/code-server/<version>/, outside the project's dependencies, for the end-to-end tests
# (test/e2e/harness.ts looks for it there).
#
# Why this version: code-server 4.100.3 (VS Code 1.100.3) is the newest that runs on Node 20.
# What an offline install needs (everything else comes from the npm registry):
#   - `--unsafe-perm` when run as root: code-server's postinstall refuses to run without it;
#   - npm_config_yes=true: node-pty's postinstall runs `npx node-gyp`, which would otherwise ask;
#   - Debian's libkrb5-dev: the `kerberos` module builds from source;
#   - @vscode/ripgrep 1.15.11 downloads rg from GitHub in its postinstall. We answer that from its
#     cache folder ($TMPDIR/vscode-ripgrep-cache-1.15.11/) with a tarball holding the `rg` binary that
#     the npm package @vscode/ripgrep-linux-x64 ships.
#
# Idempotent: exits at once when this version is already installed. Linux x64, Node 20 only.
set -euo pipefail

version=4.100.3
ripgrep_pkg=@vscode/ripgrep-linux-x64@1.18.0        # ships bin/rg (ripgrep 15, static)
ripgrep_cache=vscode-ripgrep-cache-1.15.11          # @vscode/ripgrep version in code-server's shrinkwrap
ripgrep_asset=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz   # the name its postinstall looks for

root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/.cache/code-server/$version"
bin="$dest/node_modules/.bin/code-server"
marker="$dest/.installed"
start=$(date +%s)

if [ -f "$marker" ] && [ -x "$bin" ]; then
  echo "setup-code-server: code-server $version already installed in ${dest#$root/}"
  exit 0
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" != 20 ]; then
  echo "setup-code-server: code-server $version needs Node 20 (found $(node --version))." >&2
  exit 1
fi
if [ "$(uname -sm)" != "Linux x86_64" ]; then
  echo "setup-code-server: this script knows Linux x86_64 only (found $(uname -sm)); the ripgrep step would need another package." >&2
  exit 1
fi

# The kerberos module compiles against Kerberos' headers.
if ! [ -x /usr/bin/krb5-config ] || ! dpkg-query -W -f='${Status}' libkrb5-dev 2>/dev/null | grep -q 'ok installed'; then
  if [ "$(id -u)" -eq 0 ]; then apt_cmd=(apt-get); elif command -v sudo >/dev/null; then apt_cmd=(sudo apt-get); else
    echo "setup-code-server: Debian's libkrb5-dev is missing; install it (apt-get install libkrb5-dev) and rerun." >&2
    exit 1
  fi
  echo "setup-code-server: installing libkrb5-dev"
  DEBIAN_FRONTEND=noninteractive "${apt_cmd[@]}" install -y -qq --no-install-recommends libkrb5-dev
fi

# Start clean: a half-finished install (no marker) is thrown away.
rm -rf "$dest"
mkdir -p "$dest/tmp/$ripgrep_cache"
cd "$dest"
printf '{ "name": "code-server-cache", "private": true }\n' > package.json

# The rg tarball for @vscode/ripgrep's postinstall, from the binary in the npm package.
( cd tmp && npm pack --silent "$ripgrep_pkg" >/dev/null && tar xzf vscode-ripgrep-linux-x64-*.tgz package/bin/rg &&
  tar czf "$ripgrep_cache/$ripgrep_asset" -C package/bin rg && rm -rf package vscode-ripgrep-linux-x64-*.tgz )

echo "setup-code-server: installing code-server $version into ${dest#$root/} (takes about a minute)"
# TMPDIR points the ripgrep postinstall at our cache folder. --unsafe-perm matters only as root;
# code-server's postinstall reads it from npm_config_unsafe_perm.
TMPDIR="$dest/tmp" npm_config_yes=true npm_config_unsafe_perm=true \
  npm install --unsafe-perm --no-audit --no-fund --loglevel=error "code-server@$version"

# A private HOME: code-server writes a default config file into ~/.config on its first start.
got=$(HOME="$dest/tmp" XDG_CONFIG_HOME="$dest/tmp/.config" XDG_DATA_HOME="$dest/tmp/.local/share" \
  "$bin" --version 2>/dev/null | awk '/with Code/ {print $1}')
if [ "$got" != "$version" ]; then
  echo "setup-code-server: installed code-server does not run (\`code-server --version\` printed '$got')." >&2
  exit 1
fi
rm -rf "$dest/tmp"
touch "$marker"
echo "setup-code-server: code-server $version ready ($(du -sh "$dest" | cut -f1)) in $(( $(date +%s) - start )) s"
