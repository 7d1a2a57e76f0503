#!/usr/bin/env bash
# Remakes the default styles in this folder: small students of the PyTorch examples' pretrained
# styles (../shared/weights/styles), in two stages.
#   1. Pixel distillation of a `fast` student (c16-r3-k5-s2; 16000 steps, ~35 min per style on a
#      2-core CPU): only when models/STYLE.safetensors does not exist yet, or with
#      STYLECAM_DISTILL_FROM_SCRATCH=1.
#   2. The committed student: `c16-r4-k3-s2-dw` (depthwise-separable residual blocks: live at
#      640×480 on AVX2-only CPUs), warm-started from stage 1's student (`--init` copies what fits,
#      new residual blocks start as the identity) and trained on perceptual terms: texture
#      (relative Gram distance to the teacher's output at VGG19 relu1_1, relu2_1, relu3_1),
#      low-pass agreement (8×8 average-pooled pixels), and the noise- and motion-stability terms,
#      which keep the sharper student from flickering. 2400 steps, ~95 min per style with two
#      styles side by side, one thread each. Weights per style below.
# Training pictures: models/gather_photos.sh (opencv-doc, wallpaper packages' photographs,
# scikit-learn and matplotlib samples; fruits, baboon, butterfly and home held out). Each result
# is measured against its teacher on the held-out photos, then copied here.
# Usage: bash models/distill_defaults.sh [STYLE...]   (default: candy mosaic udnie)
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED="${STYLECAM_SHARED:-../shared}"
SAMPLES=/usr/share/doc/opencv-doc/examples/data
WORK="${STYLECAM_DISTILL_WORK:-build/distill}"
STEPS="${STYLECAM_DISTILL_STEPS:-16000}"
TUNE_STEPS="${STYLECAM_TUNE_STEPS:-2400}"
ARCH=c16-r4-k3-s2-dw
VGG="$SHARED/weights/vgg19-conv1_1-conv3_4.safetensors"
STYLES=("$@")
[ ${#STYLES[@]} -gt 0 ] || STYLES=(candy mosaic udnie)

bash models/gather_photos.sh "$WORK/data" "$WORK/held_out"

for style in "${STYLES[@]}"; do
  teacher="$SHARED/weights/styles/$style.safetensors"
  start="models/$style.safetensors"
  if [ ! -f "$start" ] || [ "${STYLECAM_DISTILL_FROM_SCRATCH:-0}" = 1 ]; then
    build/stylecam distill --teacher "$teacher" --data "$WORK/data" --output "$WORK/$style.pixel.safetensors" \
      --arch fast --image-size 384 --batch 2 --steps "$STEPS" --lr 2e-3 --lr-end 1e-4 \
      --video-frames 60 --extra-scales 0.8 --checkpoint-every 500 --preview "$SAMPLES/fruits.jpg"
    start="$WORK/$style.pixel.safetensors"
  fi
  case "$style" in  # texture, low-pass, noise-stability and motion-stability weights
    udnie) weights=(2 150 60 30) ;;    # udnie's colours need the stronger low-pass term
    candy) weights=(2.5 40 100 60) ;;  # candy's teacher flickers most: stronger motion term
    *) weights=(2.5 40 100 50) ;;
  esac
  build/stylecam distill --teacher "$teacher" --data "$WORK/data" --output "$WORK/$style.safetensors" \
    --arch "$ARCH" --init "$start" --image-size 256 --batch 2 --steps "$TUNE_STEPS" --lr 1e-3 --lr-end 5e-5 \
    --pixel-weight 0 --texture-weight "${weights[0]}" --lowpass-weight "${weights[1]}" \
    --noise-stability "${weights[2]}" --motion-stability "${weights[3]}" \
    --vgg "$VGG" --video-frames 20 --extra-scales 0.8 --checkpoint-every 100 \
    --preview "$SAMPLES/fruits.jpg" ${STYLECAM_DISTILL_THREADS:+--threads "$STYLECAM_DISTILL_THREADS"}
  build/stylecam eval --model "$WORK/$style.safetensors" --reference "$teacher" \
    --input "$WORK/held_out" | tee "$WORK/$style.eval.txt"
  cp "$WORK/$style.safetensors" "models/$style.safetensors"
done
