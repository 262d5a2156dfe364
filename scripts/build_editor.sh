#!/usr/bin/env bash
# Builds the studio's code editor (CodeMirror 6 with YAML, scripts/editor/src/editor.js) into one
# ES module, simulator/ui/static/editor/editor.js, with the licences of what it bundles beside it.
# The bundle is committed: installing the lab needs no npm. Run this after changing the editor's
# source or its packages (scripts/editor/package.json); tests/ui/test_studio_editor.py checks that the
# bundle was built from the source as it is.
set -euo pipefail
cd "$(dirname "$0")/editor"
out=../../simulator/ui/static/editor
npm ci --no-audit --no-fund --silent
mkdir -p "$out"
source_hash=$(cat src/editor.js package-lock.json | sha256sum | cut -d' ' -f1)
./node_modules/.bin/esbuild src/editor.js --bundle --format=esm --minify --target=es2020 \
  --legal-comments=none --charset=utf8 \
  --banner:js="/* The lab's scenario editor: CodeMirror 6 (MIT, see editor.LICENSES.txt) bundled by scripts/build_editor.sh. source-sha256: ${source_hash} */" \
  --outfile="$out/editor.js"
{
  echo "The studio's editor bundle (editor.js) holds these packages, each under its licence below."
  for dir in node_modules/@codemirror/* node_modules/@lezer/* node_modules/codemirror node_modules/crelt \
             node_modules/style-mod node_modules/w3c-keyname node_modules/@marijn/*; do
    [ -f "$dir/package.json" ] || continue
    name=$(node -p "require('./$dir/package.json').name + ' ' + require('./$dir/package.json').version")
    echo
    echo "==== $name"
    cat "$dir"/LICENSE* 2>/dev/null || node -p "'license: ' + require('./$dir/package.json').license"
  done
} > "$out/editor.LICENSES.txt"
ls -l "$out"
