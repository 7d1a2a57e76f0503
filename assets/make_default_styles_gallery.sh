#!/usr/bin/env bash
# Makes the README's default-styles pictures from the committed students:
#   assets/default_styles_fruits.jpg  one row per style: teacher | new student | previous student
#                                      on fruits.jpg (held out from training); a style new in
#                                      this change has an empty third panel
#   assets/default_styles_vtest.jpg   frames 0, 10, 20, 30 of vtest.avi (640×480) through
#                                      models/candy.safetensors: what stays put frame to frame
# The previous students are read from git (PREVIOUS, a commit; default HEAD). Needs build/stylecam
# (or $STYLECAM_BIN),
# the teachers in ../shared/weights/styles (a style baked from a painting with
# models/bake_painting.sh: MicroAST with opencv-doc's painting of that name), ImageMagick and
# fonts-dejavu-core.
# Usage: bash assets/make_default_styles_gallery.sh [PREVIOUS] [STYLE...]
set -euo pipefail
cd "$(dirname "$0")/.."
PREVIOUS="${1:-HEAD}"
shift || true
STYLES=("$@")
if [ ${#STYLES[@]} -eq 0 ]; then
  for model in models/*.safetensors; do STYLES+=("$(basename "$model" .safetensors)"); done
fi
TEACHERS="${STYLECAM_SHARED:-../shared}/weights/styles"
MICROAST="${STYLECAM_SHARED:-../shared}/weights/microast.safetensors"
SAMPLES=/usr/share/doc/opencv-doc/examples/data
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

BIN="${STYLECAM_BIN:-build/stylecam}"
stylize() { "$BIN" stylize --precision fp32 "$@" >/dev/null 2>&1; }
label() {  # label IN OUT TEXT: 320 px wide, caption underneath
  convert "$1" -resize 320x -background white -gravity center -font DejaVu-Sans -pointsize 15 \
    label:"$3" -append "$2"
}
rows=()
for style in "${STYLES[@]}"; do
  previous="$work/$style.previous.safetensors"
  git show "$PREVIOUS:models/$style.safetensors" >"$previous" 2>/dev/null || rm -f "$previous"
  if [ -f "$TEACHERS/$style.safetensors" ]; then
    stylize --model "$TEACHERS/$style.safetensors" --input "$SAMPLES/fruits.jpg" -o "$work/t.png"
    teacher="$style teacher (full network)"
  else
    stylize --model "$MICROAST" --style-image "$SAMPLES/$style.jpg" --input "$SAMPLES/fruits.jpg" \
      -o "$work/t.png"
    teacher="$style teacher (MicroAST, painting)"
  fi
  stylize --model "models/$style.safetensors" --input "$SAMPLES/fruits.jpg" -o "$work/n.png"
  if [ -f "$previous" ]; then
    stylize --model "$previous" --input "$SAMPLES/fruits.jpg" -o "$work/p.png"
    caption="$style student, previous"
  else
    convert "$work/t.png" -fill white -colorize 100 "$work/p.png"
    caption="(new style: no previous student)"
  fi
  label "$work/t.png" "$work/t_l.png" "$teacher"
  label "$work/n.png" "$work/n_l.png" "$style student, new"
  label "$work/p.png" "$work/p_l.png" "$caption"
  convert "$work/t_l.png" "$work/n_l.png" "$work/p_l.png" +append "$work/row_$style.png"
  rows+=("$work/row_$style.png")
done
convert "${rows[@]}" -append -quality 88 assets/default_styles_fruits.jpg

ffmpeg -v error -y -i "$SAMPLES/vtest.avi" -frames:v 31 -vf scale=640:480 "$work/clip.mp4"
stylize --model models/candy.safetensors --input "$work/clip.mp4" -o "$work/candy.mp4"
frames=()
for n in 0 10 20 30; do
  ffmpeg -v error -y -i "$work/candy.mp4" -vf "select=eq(n\,$n)" -frames:v 1 "$work/f$n.png"
  label "$work/f$n.png" "$work/f${n}_l.png" "frame $n"
  frames+=("$work/f${n}_l.png")
done
convert "${frames[@]}" +append -quality 88 assets/default_styles_vtest.jpg
echo "wrote assets/default_styles_fruits.jpg and assets/default_styles_vtest.jpg"
