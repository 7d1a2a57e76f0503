#!/usr/bin/env bash
# Remakes the default styles in this folder: small students of the PyTorch examples' pretrained
# styles (../shared/weights/styles), in seven stages (the size stage, the mean-colour match, the
# wider and the coarse-colour stage for some styles).
#   1. Pixel distillation of a `c16-r4-k3-s2-dw` student (3000 steps at 256 px, ~8 min alone on
#      a 2-core CPU), warm-started from the committed udnie student when there is one (its
#      features work for any style; only the colours and strokes have to move): only when
#      models/STYLE.safetensors does not exist yet, or with STYLECAM_DISTILL_FROM_SCRATCH=1.
#      (candy, mosaic and udnie were first made as `fast` students, c16-r3-k5-s2, 16000 steps;
#      rain_princess and pointilism this way.)
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
# Usage: bash models/distill_defaults.sh [STYLE...]
#   (default: candy mosaic udnie rain_princess pointilism; the last two were made with
#   STYLECAM_TUNE_STEPS=1200)
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED="${STYLECAM_SHARED:-../shared}"
SAMPLES=/usr/share/doc/opencv-doc/examples/data
WORK="${STYLECAM_DISTILL_WORK:-build/distill}"
STEPS="${STYLECAM_DISTILL_STEPS:-3000}"
TUNE_STEPS="${STYLECAM_TUNE_STEPS:-2400}"
ARCH=c16-r4-k3-s2-dw
VGG="$SHARED/weights/vgg19-conv1_1-conv3_4.safetensors"
STYLES=("$@")
[ ${#STYLES[@]} -gt 0 ] || STYLES=(candy mosaic udnie rain_princess pointilism)

bash models/gather_photos.sh "$WORK/data" "$WORK/held_out"

# distill OUTPUT ARGS...: one `stylecam distill` run for $style with the flags every stage shares.
# (crop side and batch: $crop and $batch, 256 and 2 but for the size stage)
crop=256
batch=2
distill() {
  local output=$1
  shift
  build/stylecam distill --teacher "$teacher" --data "$WORK/data" --output "$output" --arch "$ARCH" \
    --image-size "$crop" --batch "$batch" --video-frames 20 --extra-scales 0.8 \
    --preview "$SAMPLES/fruits.jpg" \
    ${STYLECAM_DISTILL_THREADS:+--threads "$STYLECAM_DISTILL_THREADS"} "$@"
}
# perceptual OUTPUT INIT STEPS LR LR_END TEXTURE LOWPASS NOISE MOTION [DETAIL [GRAIN [ARGS...]]]:
# a perceptual stage (detail: the local-detail loss; grain: the grain-stability term; 0 = off;
# ARGS: more distill flags).
perceptual() {
  distill "$1" --init "$2" --steps "$3" --lr "$4" --lr-end "$5" --pixel-weight 0 \
    --texture-weight "$6" --lowpass-weight "$7" --noise-stability "$8" --motion-stability "$9" \
    --detail-weight "${10:-0}" --grain-stability "${11:-0}" --vgg "$VGG" --checkpoint-every 100 \
    "${@:12}"
}
# arch_stages NAME STAGE...: perceptual stages from $student, each from the last, each STAGE
# "arch steps lr texture low-pass noise motion [detail [grain [low-pass size]]]"; $student is the
# last one's output ($WORK/$style.NAME<i>.safetensors).
arch_stages() {
  local name=$1 i=0 stage arch steps lr texture lowpass noise motion detail grain size
  shift
  for stage in "$@"; do
    read -r arch steps lr texture lowpass noise motion detail grain size <<<"$stage"
    ARCH=$arch perceptual "$WORK/$style.$name$i.safetensors" "$student" "$steps" "$lr" 3e-5 \
      "$texture" "$lowpass" "$noise" "$motion" "${detail:-0}" "${grain:-0}" \
      --lowpass-size "${size:-8}"
    student="$WORK/$style.$name$i.safetensors"
    i=$((i + 1))
  done
}

for style in "${STYLES[@]}"; do
  teacher="$SHARED/weights/styles/$style.safetensors"
  start="models/$style.safetensors"
  if [ ! -f "$start" ] || [ "${STYLECAM_DISTILL_FROM_SCRATCH:-0}" = 1 ]; then
    init=()
    [ -f models/udnie.safetensors ] && init=(--init models/udnie.safetensors)
    distill "$WORK/$style.pixel.safetensors" "${init[@]}" --steps "$STEPS" --lr 2e-3 --lr-end 1e-4 \
      --checkpoint-every 250
    start="$WORK/$style.pixel.safetensors"
  fi
  case "$style" in  # texture, low-pass, noise-stability and motion-stability weights
    udnie) weights=(2 150 60 30) ;;    # udnie's colours need the stronger low-pass term
    candy) weights=(2.5 40 100 60) ;;  # candy's teacher flickers most: stronger motion term
    *) weights=(2.5 40 100 50) ;;
  esac
  perceptual "$WORK/$style.safetensors" "$start" "$TUNE_STEPS" 1e-3 5e-5 "${weights[@]}"
  # 3. Finishing stages, each from the previous stage's student: "steps lr texture low-pass
  #    noise motion [detail [grain]]": more texture, then the detail loss (the local amount of
  #    edges and strokes against the teacher's) with more motion stability for candy; more
  #    low-pass for mosaic's colours; texture with the detail loss, then more motion and the
  #    grain term for mosaic and rain_princess; for pointilism, texture with a weaker low-pass
  #    term and a little of the detail loss. Then, since the flow-guided stabilizer is on by
  #    default for videos (it takes a quarter to a third of any student's flicker off), mosaic
  #    and rain_princess went on at texture 10-18 with the same stability terms, the last stage
  #    at a stronger low-pass term: texture 0.264 → 0.193 and 0.230 → 0.188, flicker alone
  #    2.82× → 3.29× and 2.66× → 2.77× (as delivered, stabilized: 2.31× and 1.94×), low-pass
  #    21.43 → 21.10 and 19.35 → 18.93 dB.
  #    Tried and not kept (texture distance, detail, flicker × the input's):
  #    - pointilism 800 steps at texture 10, low-pass 30, motion 80, detail 4, grain 150 (the
  #      recipe that moved rain_princess): 0.205 at 1.98× (from 0.202 at 1.88×).
  #    - udnie 800 steps at texture 8, low-pass 150, noise 60, motion 60, detail 4, grain 150:
  #      0.210 at 1.89× (from 0.197 at 1.85×).
  #    - rain_princess 600 steps at 3 / 60 / 150 / 120 (flicker 2.75× → 2.54×, texture 0.255 →
  #      0.294); after texture 6 (0.212, 3.04×): motion 200 (0.248, 2.82×), or grain 300 alone
  #      (0.240, 2.83×): the grain term trades texture for steadiness as motion does.
  #    - pointilism 500 steps at texture 4 (no change); 1000 steps at lr 6e-4, texture 2.5 or 3.5
  #      (0.207 → 0.214 / 0.211); 800 at texture 6, low-pass 150 (0.213); 800 at texture 3
  #      with detail 4 (0.212, detail 0.84 → 1.04, flicker 2.04× → 1.98×), then 600 at texture 5,
  #      low-pass 20, detail 2 (0.206).
  #    - candy 500 steps at texture 11 (0.176 → 0.166, detail unchanged at 0.58, flicker 2.33× →
  #      2.41×); after the detail stages, 400 at low-pass 250 (low-pass +0.21 dB, texture 0.170
  #      → 0.185).
  #    - mosaic 600 more steps at 6 / 150 / 150 / 160 after its third stage (flicker 2.94× →
  #      2.69×, but texture 0.293 → 0.327 and detail 0.625 → 0.554); after the detail stage
  #      (0.241, 3.17×), motion 160 with grain 300 (0.294, 2.85×).
  #    Later (flicker with the temporal norm, stylize's and eval's default since then):
  #    - mosaic 1500 steps as a deeper student, c16-r8-k3-s2-dw (warm-started from the committed
  #      one, its last stage's weights): 0.271 at 2.80×, against 0.264 at 2.82×: depth did not
  #      move the texture-against-flicker line (and costs 36 % more per frame).
  #    - pointilism 1000 steps at texture 5 (0.206, 1.98×); 600 at texture 4 with noise 50 and
  #      motion 20 (0.203, 2.04×): relaxing the stability terms did not buy texture.
  #    - udnie 600 steps at texture 4 with detail 2 (0.213, 1.91×, against 0.197 at 1.85×).
  #    - Scaling a mosaic student's output contrast by 1.2 about its mean gives texture 0.199
  #      (from 0.263) and multiplies its flicker by 1.2: for these students the texture still
  #      missing is stroke amplitude, which is what flickers. A least-squares colour matrix
  #      fitted to the teacher's low-pass (σ 3) output on training photos raises low-pass PSNR
  #      by 0.1–1.0 dB on every style but lowers contrast: texture worse on four of five
  #      (candy 0.170 → 0.288; udnie 0.197 → 0.177).
  #    - The object-motion term (--object-stability 150, a piece of the crop sliding over the
  #      rest), 800 steps at 3e-4 on the committed students' last stage: mosaic 0.279 at 2.73×
  #      (low-pass 21.40), rain_princess 0.234 at 2.61× (19.36): the same texture-against-flicker
  #      line as the motion term.
  #    - mosaic at low-pass 40 instead of 150, 600 steps at 4e-4 (the teacher's colourful panes
  #      are what the student lacks; a weaker low-pass pull did not bring them back): texture 6
  #      gave 0.264 at 2.73× (low-pass 21.43 → 20.76 dB), texture 10 gave 0.232 at 2.91× (20.65).
  case "$style" in
    candy) finish=("600 5e-4 5 40 100 60" "500 4e-4 8 50 100 60" "600 4e-4 8 50 100 60 5"
      "500 3e-4 8 80 100 120 3") ;;
    mosaic) finish=("400 5e-4 2.5 200 100 50" "500 4e-4 2.5 400 100 80" "800 5e-4 6 150 100 80"
      "800 5e-4 6 150 100 80 4" "500 3e-4 6 150 100 120 4 150" "600 4e-4 10 40 100 120 4 150"
      "800 4e-4 12 40 100 120 4 150" "800 4e-4 16 40 100 120 4 150"
      "600 3e-4 18 80 100 120 4 150" "600 3e-4 18 150 100 120 4 150") ;;
    rain_princess) finish=("1800 6e-4 3 40 100 70" "800 5e-4 6 150 100 80 4"
      "500 3e-4 6 150 100 120 4 150" "800 4e-4 10 40 100 120 4 150"
      "800 4e-4 14 40 100 120 4 150" "600 3e-4 16 80 100 120 4 150") ;;
    pointilism) finish=("700 5e-4 4 20 100 50 2") ;;
    *) finish=() ;;
  esac
  student="$WORK/$style.safetensors"
  for i in "${!finish[@]}"; do
    read -r steps lr texture lowpass noise motion detail grain <<<"${finish[$i]}"
    perceptual "$WORK/$style.finish$i.safetensors" "$student" "$steps" "$lr" 3e-5 \
      "$texture" "$lowpass" "$noise" "$motion" "${detail:-0}" "${grain:-0}"
    student="$WORK/$style.finish$i.safetensors"
  done
  # 4. The size stage: the same terms on 480-px crops, batch 1 (the pictures have their longer
  #    side at 640 px, so a crop is most of a picture, as a 640×480 frame is). Students trained on
  #    256-px crops alone came out brighter at 640×480 than on the crops: every teacher's mean
  #    output colour is within ±1 of the same value on every photo, and the udnie student was 5-11
  #    levels brighter on every one, the crop's instance-norm statistics differing from a whole
  #    frame's. 400 steps (about 18 minutes beside a second run) took udnie from texture 0.197 to
  #    0.154 and low-pass 21.46 to 22.32 dB, pointilism from 0.202 to 0.159 and 18.83 to 19.09,
  #    rain_princess from 0.188 to 0.174 and 18.93 to 19.23 (flicker alone 2.77× → 2.82×).
  #    Tried and not kept: candy at its last stage's weights (texture 0.170 unchanged, low-pass
  #    +0.07 dB, flicker 2.19× → 2.26×) and mosaic (0.193 → 0.209): their bias is not the crop
  #    size (it stayed: brighter and lower in contrast, a compromise of the Gram loss).
  #    Udnie then went on 400 steps at low-pass 300: 22.32 → 22.48 dB, texture 0.154 unchanged.
  #    Candy at low-pass 250 (400 steps): 19.06 dB but texture 0.170 → 0.179; not kept; at
  #    low-pass 600: 19.10 dB, texture 0.195, detail 0.81 (the low-pass weight has saturated).
  case "$style" in
    udnie) size_stages=("400 3e-4 2 150 60 30" "400 3e-4 2 300 60 30") ;;
    pointilism) size_stages=("400 3e-4 4 40 100 50 2") ;;
    rain_princess) size_stages=("400 3e-4 16 80 100 120 4 150") ;;
    *) size_stages=() ;;
  esac
  for i in "${!size_stages[@]}"; do
    read -r steps lr texture lowpass noise motion detail grain <<<"${size_stages[$i]}"
    crop=480 batch=1 perceptual "$WORK/$style.size$i.safetensors" "$student" "$steps" "$lr" 3e-5 \
      "$texture" "$lowpass" "$noise" "$motion" "${detail:-0}" "${grain:-0}"
    student="$WORK/$style.size$i.safetensors"
  done
  # 5. The mean-colour match (2026-12-07): `distill --steps 0 --match-mean-colour` shifts the
  #    student's output by its mean colour difference to the teacher's over the whole training
  #    pictures (an exact change of deconv3's bias). On the held-out photos
  #    (480 px high): udnie by -2.7 -2.9 -3.0 (R G B), texture 0.154 -> 0.148, low-pass 22.48 ->
  #    22.61 dB; rain_princess by -6.0 -1.1 +2.7, 0.174 -> 0.171, 19.23 -> 19.33 dB; flicker
  #    unchanged. Not kept: candy (0.170 -> 0.187, +0.10 dB) and mosaic (0.193 -> 0.201,
  #    +0.34 dB), students of lower contrast than their teachers whose brighter mean made up part
  #    of the Gram; pointilism (0.159 -> 0.156, but 0.140 -> 0.156 on fruits.jpg; +0.02 dB);
  #    starry_night (0.155 -> 0.158, +0.10 dB; bake_painting.sh).
  case "$style" in
    udnie | rain_princess) crop=480 batch=1 distill "$WORK/$style.matched.safetensors" --init "$student" \
      --steps 0 --match-mean-colour
      student="$WORK/$style.matched.safetensors" ;;
  esac
  # 6. The wider stage (2026-12-07), candy and mosaic: a c16 student did not reach its teacher's
  #    colour layout (low-pass PSNR, σ 3 px) however strong the low-pass term (candy saturated at
  #    19.10 dB against the previous fast student's 19.28; mosaic 21.10 against 22.60). `--init`
  #    of a narrower model widens it exactly (its channels become the new net's leading ones, the
  #    new channels' outputs start unread: nets/weight_transfer.h), so each stage goes on from
  #    where the last left off. 256-px crops, batch 2, ~1 step/s beside a second run.
  #    candy: c20, 1000 steps at texture 8, low-pass 150 (0.180 / 0.71 / 18.97 dB), then c24,
  #    1200 at low-pass 300 (0.185 / 0.85 / 19.15), then 1000 at low-pass 500 and detail 4:
  #    texture 0.170 → 0.189, detail 0.99 → 0.88, low-pass 18.79 → 19.30 dB (the previous fast
  #    student: 19.28); flicker alone 2.19× → 2.38×, as delivered 1.62× → 1.73×.
  #    mosaic: c20, 1000 steps at its last stage's weights with low-pass 300 (0.181 / 0.86 /
  #    21.38 dB), then c24, 1200 more: texture 0.193 → 0.178, detail 1.07 → 0.93, low-pass
  #    21.10 → 21.46 dB; flicker alone 3.29× → 3.52×, as delivered 2.31× → 2.37×. Not kept: a
  #    size stage after it at low-pass 500 (500 steps, 480-px crops): 0.197 / 0.93 / 21.77 dB at
  #    2.40× delivered (the texture margin gone for 0.3 dB). Width buys mosaic little: its
  #    low-pass error is colour at the scale of whole panes and regions (stage 7).
  case "$style" in
    candy) wider_stages=("c20-r4-k3-s2-dw 1000 4e-4 8 150 100 120 3"
      "c24-r4-k3-s2-dw 1200 4e-4 8 300 100 120 3" "c24-r4-k3-s2-dw 1000 3e-4 8 500 100 120 4") ;;
    mosaic) wider_stages=("c20-r4-k3-s2-dw 1000 4e-4 18 300 100 120 4 150"
      "c24-r4-k3-s2-dw 1200 4e-4 18 300 100 120 4 150") ;;
    *) wider_stages=() ;;
  esac
  arch_stages wider "${wider_stages[@]}"
  # 7. The coarse-colour stage (2026-12-08), mosaic: its low-pass error was not the lead lines
  #    between the panes (weakening the c24 student's fine detail changed its low-pass PSNR by
  #    0.02 dB) but colour at the scale of whole panes and regions: replacing what lies above
  #    σ 8 px of its output by the teacher's took it from 21.48 to 26.89 dB, above σ 16 px to 24.3
  #    (the teacher paints coffee's saucer and the motorcycle pink, the students orange). So
  #    the low-pass term on 16×16-pooled pixels (`--lowpass-size 16`), stronger at each stage:
  #    600, 1200, 2000 at texture 24, then 3000 with motion 150, 1000 steps each (texture /
  #    low-pass dB / flicker as delivered: 0.175 / 21.67 / 2.38×, 0.178 / 21.90 / 2.43×, 0.176 /
  #    22.04 / 2.46×): texture 0.178 → 0.180, low-pass 21.46 → 22.15 dB (the previous fast
  #    student: 22.60), flicker as delivered 2.37× → 2.43× (alone 3.52× → 3.66×). Tried and not
  #    kept: after the first, the stability terms halved (0.161 / 21.59 / 2.56×) and 32×32
  #    pooling at 1500 (0.175 / 21.77 / 2.42×); after the second, 2400 at texture 18 (0.182 /
  #    22.02 / 2.41×); candy, 1000 steps at 16×16 pooling, weight 800: no change (0.189 /
  #    19.31 dB).
  case "$style" in
    mosaic) coarse_stages=("c24-r4-k3-s2-dw 1000 4e-4 18 600 100 120 4 150 16"
      "c24-r4-k3-s2-dw 1000 4e-4 18 1200 100 120 4 150 16"
      "c24-r4-k3-s2-dw 1000 4e-4 24 2000 100 120 4 150 16"
      "c24-r4-k3-s2-dw 1000 4e-4 24 3000 100 150 4 150 16") ;;
    *) coarse_stages=() ;;
  esac
  arch_stages coarse "${coarse_stages[@]}"
  build/stylecam eval --model "$student" --reference "$teacher" \
    --input "$WORK/held_out" | tee "$WORK/$style.eval.txt"
  cp "$student" "models/$style.safetensors"
done
