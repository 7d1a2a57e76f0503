#!/usr/bin/env bash
# Remakes the default styles in this folder: fast students of the PyTorch examples' pretrained
# styles (../shared/weights/styles), distilled on opencv-doc's photos and clip frames, then
# measured against their teachers on four held-out photos. Runs from anywhere; about 35 minutes
# per style on a 2-core CPU (16000 steps; STYLECAM_DISTILL_STEPS=6000 takes 15).
# Usage: bash models/distill_defaults.sh [STYLE...]
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED="${STYLECAM_SHARED:-../shared}"
SAMPLES=/usr/share/doc/opencv-doc/examples/data
WORK="${STYLECAM_DISTILL_WORK:-build/distill}"
STEPS="${STYLECAM_DISTILL_STEPS:-16000}"
STYLES=("$@")
[ ${#STYLES[@]} -gt 0 ] || STYLES=(candy mosaic udnie)

# Training data: 32 photos and 3 clips; fruits, baboon, butterfly and home are held out.
mkdir -p "$WORK/data" "$WORK/held_out"
for f in Blender_Suzanne1.jpg aero1.jpg aero3.jpg apple.jpg basketball1.png board.jpg \
  building.jpg ela_original.jpg graf1.png graf3.png left01.jpg leuvenA.jpg leuvenB.jpg \
  licenseplate_motion.jpg messi5.jpg orange.jpg pic1.png pic3.png right01.jpg rubberwhale1.png \
  smarties.png squirrel_cls.jpg stuff.jpg text_defocus.jpg HappyFish.jpg aloeL.jpg \
  chicky_512.png pic2.png pic4.png box_in_scene.png cards.png ellipses.jpg \
  Megamind.avi tree.avi vtest.avi; do
  ln -sf "$SAMPLES/$f" "$WORK/data/$f"
done
for f in fruits.jpg baboon.jpg butterfly.jpg home.jpg; do ln -sf "$SAMPLES/$f" "$WORK/held_out/$f"; done

for style in "${STYLES[@]}"; do
  teacher="$SHARED/weights/styles/$style.safetensors"
  build/stylecam distill --teacher "$teacher" --data "$WORK/data" --output "$WORK/$style.safetensors" \
    --arch fast --image-size 384 --batch 2 --steps "$STEPS" --lr 2e-3 --lr-end 1e-4 \
    --video-frames 60 --extra-scales 0.8 --checkpoint-every 500 --preview "$SAMPLES/fruits.jpg"
  build/stylecam eval --model "$WORK/$style.safetensors" --reference "$teacher" \
    --input "$WORK/held_out" | tee "$WORK/$style.eval.txt"
  cp "$WORK/$style.safetensors" "models/$style.safetensors"
done
