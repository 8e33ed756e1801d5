#!/usr/bin/env bash
# Regenerates every icon in this folder from ImageMagick draw primitives (no source artwork).
# Usage: bash icons/generate.sh   (needs Debian's imagemagick; /usr/local/bin/convert may be a stand-in)
set -euo pipefail
cd "$(dirname "$0")"
IM=${IM:-/usr/bin/convert}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Master 1024x1024: deep-indigo rounded square, white conductor's "M", amber beat dot.
"$IM" -size 1024x1024 xc:none -fill white -draw "roundrectangle 40,40 983,983 224,224" "$tmp/mask.png"
"$IM" -size 1024x1024 gradient:'#4f46e5'-'#1e1b4b' "$tmp/grad.png"
"$IM" "$tmp/grad.png" "$tmp/mask.png" -alpha off -compose CopyOpacity -composite "$tmp/bg.png"
"$IM" "$tmp/bg.png" \
  -fill none -stroke white -strokewidth 104 \
  -draw "stroke-linecap round stroke-linejoin round polyline 232,752 232,336 512,616 792,336 792,752" \
  -stroke none -fill '#fbbf24' -draw "circle 512,236 512,294" \
  "$tmp/master.png"

for spec in 32x32:32 128x128:128 128x128@2x:256 icon:512; do
  name=${spec%%:*} size=${spec##*:}
  "$IM" "$tmp/master.png" -filter Lanczos -resize "${size}x${size}" -strip "PNG32:${name}.png"
done
"$IM" "$tmp/master.png" -filter Lanczos -strip -define icon:auto-resize=256,128,64,48,32,24,16 icon.ico

# Tray state icons, drawn at 256 and reduced to 32x32 (plus @2x for HiDPI trays): the mark in a
# disc of the state's colour; syncing and attention add a badge, cut out of the disc, bottom right.
mark() { # colour -> $tmp/mark-<colour>.png
  "$IM" -size 256x256 xc:none \
    -fill "$1" -draw "circle 128,128 128,6" \
    -fill none -stroke white -strokewidth 32 \
    -draw "stroke-linecap round stroke-linejoin round polyline 66,182 66,82 128,146 190,82 190,182" \
    "$tmp/mark.png"
}
badge() { # base.png, badge.png -> base with a transparent ring around the badge
  "$IM" "$1" \( -size 256x256 xc:none -fill black -draw "circle 194,194 194,112" \) \
    -compose DstOut -composite "$2" -compose Over -composite "$1"
}
shrink() { # name
  "$IM" "$tmp/$1.png" -filter Lanczos -resize 32x32 -strip "PNG32:$1.png"
  "$IM" "$tmp/$1.png" -filter Lanczos -resize 64x64 -strip "PNG32:$1@2x.png"
}

mark '#3730a3'; cp "$tmp/mark.png" "$tmp/tray-idle.png"; shrink tray-idle

# ImageMagick 6 closes stroked arcs with a chord, so the sync arrow's arc is a polyline.
arc=$(awk 'BEGIN { for (d = 35; d <= 285; d += 10) { a = d * 3.14159265 / 180; printf "%s%d,%d", (d > 35 ? " " : ""), 194 + 32 * cos(a), 194 + 32 * sin(a) } }')
mark '#0369a1'; cp "$tmp/mark.png" "$tmp/tray-syncing.png"
"$IM" -size 256x256 xc:none -fill '#0ea5e9' -draw "circle 194,194 194,128" \
  -fill none -stroke white -strokewidth 14 -draw "stroke-linecap round stroke-linejoin round polyline $arc" \
  -stroke none -fill white -draw "polygon 222,168 203,147 194,178" "$tmp/b.png"
badge "$tmp/tray-syncing.png" "$tmp/b.png"; shrink tray-syncing

mark '#92400e'; cp "$tmp/mark.png" "$tmp/tray-attention.png"
"$IM" -size 256x256 xc:none -fill '#f59e0b' -draw "circle 194,194 194,128" \
  -fill '#1f1300' -draw "roundrectangle 185,160 203,204 9,9" -draw "circle 194,222 194,232" "$tmp/b.png"
badge "$tmp/tray-attention.png" "$tmp/b.png"; shrink tray-attention
echo "icons written to $(pwd)"
