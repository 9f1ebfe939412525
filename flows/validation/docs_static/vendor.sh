#!/usr/bin/env bash
# Re-vendor the browser libraries that GX 1.24 Data Docs pages load from CDNs (see README.md here).
# Needs only the npm registry: `npm pack` each exact version, keep the files the pages load plus
# each package's LICENSE and package.json. Run from anywhere; rewrites this folder's <pkg>@<version>/ dirs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# spec | folder | files to keep (relative to the package root)
packages=(
  "jquery@3.7.1|jquery@3.7.1|LICENSE.txt package.json dist/jquery.min.js"
  "bootstrap@4.3.1|bootstrap@4.3.1|LICENSE package.json dist/css/bootstrap.min.css dist/js/bootstrap.min.js"
  "popper.js@1.12.9|popper.js@1.12.9|package.json dist/umd/popper.min.js"
  "bootstrap-table@1.19.1|bootstrap-table@1.19.1|LICENSE package.json dist/bootstrap-table.min.css dist/bootstrap-table.min.js dist/extensions/filter-control/bootstrap-table-filter-control.min.js"
  "bootstrap-table@1.19.0|bootstrap-table@1.19.0|LICENSE package.json dist/extensions/filter-control/bootstrap-table-filter-control.css dist/extensions/filter-control/bootstrap-table-filter-control.min.css"
  "bootstrap-datepicker@1.9.0|bootstrap-datepicker@1.9.0|LICENSE package.json dist/js/bootstrap-datepicker.min.js dist/css/bootstrap-datepicker.min.css"
  "@fortawesome/fontawesome-free@6.6.0|fontawesome-free@6.6.0|LICENSE.txt package.json css/all.min.css webfonts/fa-brands-400.woff2 webfonts/fa-regular-400.woff2 webfonts/fa-solid-900.woff2 webfonts/fa-v4compatibility.woff2"
  "@forevolve/bootstrap-dark@1.1.0|bootstrap-dark@1.1.0|LICENSE package.json dist/css/bootstrap-prefers-dark.css"
  "vega@5.33.1|vega@5.33.1|package.json build/vega.min.js"
  "vega-lite@5.23.0|vega-lite@5.23.0|LICENSE package.json build/vega-lite.min.js"
  "vega-embed@6.29.0|vega-embed@6.29.0|LICENSE package.json build/vega-embed.min.js"
)

for entry in "${packages[@]}"; do
  IFS='|' read -r spec folder files <<<"$entry"
  tarball="$(cd "$work" && npm pack --silent "$spec" | tail -n 1)"
  mkdir -p "$work/$folder" && tar -xzf "$work/$tarball" -C "$work/$folder"
  rm -rf "${here:?}/$folder"
  for file in $files; do
    mkdir -p "$here/$folder/$(dirname "$file")"
    cp "$work/$folder/package/$file" "$here/$folder/$file"
  done
done
du -sh "$here"
