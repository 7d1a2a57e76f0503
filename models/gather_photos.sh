#!/usr/bin/env bash
# Gathers the training pictures of the default styles from Debian packages into a folder of
# symbolic links (nothing is copied or committed): opencv-doc's photos and clips, the photographs
# among plasma-workspace-wallpapers, mate-backgrounds and lomiri-wallpapers-16.04, and the sample
# photos of scikit-learn and matplotlib. scikit-image's sample photos are never used for
# training: they are kept for evaluation. Missing packages are installed when apt-get can;
# pictures of packages that are absent are skipped with a note.
# Usage: bash models/gather_photos.sh DATA_DIR HELD_OUT_DIR
set -euo pipefail
DATA="${1:?usage: gather_photos.sh DATA_DIR HELD_OUT_DIR}"
HELD_OUT="${2:?usage: gather_photos.sh DATA_DIR HELD_OUT_DIR}"
mkdir -p "$DATA" "$HELD_OUT"

packages=(opencv-doc plasma-workspace-wallpapers mate-backgrounds lomiri-wallpapers-16.04
  python3-sklearn python3-matplotlib)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null 2>&1 || echo "gather_photos: could not install ${missing[*]}; using what is there"
fi

link() {  # link SOURCE NAME: one picture, if it exists
  if [ -f "$1" ]; then ln -sf "$1" "$DATA/$2"; else echo "gather_photos: missing $1"; fi
}

# opencv-doc: 32 photos and 3 clips; fruits, baboon, butterfly and home are held out.
SAMPLES=/usr/share/doc/opencv-doc/examples/data
for f in Blender_Suzanne1.jpg aero1.jpg aero3.jpg apple.jpg basketball1.png board.jpg \
  building.jpg ela_original.jpg graf1.png graf3.png left01.jpg leuvenA.jpg leuvenB.jpg \
  licenseplate_motion.jpg messi5.jpg orange.jpg pic1.png pic3.png right01.jpg rubberwhale1.png \
  smarties.png squirrel_cls.jpg stuff.jpg text_defocus.jpg HappyFish.jpg aloeL.jpg \
  chicky_512.png pic2.png pic4.png box_in_scene.png cards.png ellipses.jpg \
  Megamind.avi tree.avi vtest.avi; do
  link "$SAMPLES/$f" "$f"
done
for f in fruits.jpg baboon.jpg butterfly.jpg home.jpg; do ln -sf "$SAMPLES/$f" "$HELD_OUT/$f"; done

# plasma-workspace-wallpapers: the photographs (the others are renders), largest image each.
for name in Autumn BytheWater Canopee ColdRipple ColorfulCups DarkestHour FallenLeaf Kite \
  MilkyWay Path summer_1am; do
  folder=/usr/share/wallpapers/$name/contents/images
  [ -d "$folder" ] || { echo "gather_photos: missing $folder"; continue; }
  best=$(ls "$folder" | grep -E '^[0-9]+x[0-9]+\.(jpg|png)$' | sort -t x -k1,1n | tail -1)
  link "$folder/$best" "plasma_$name.${best##*.}"
done
# mate-backgrounds: the nature photographs.
for f in /usr/share/backgrounds/mate/nature/*.jpg; do link "$f" "mate_$(basename "$f")"; done
# lomiri-wallpapers-16.04: photographs by their authors (folder top level).
for f in /usr/share/backgrounds/*_by_*.jpg; do link "$f" "lomiri_$(basename "$f")"; done
# scikit-learn and matplotlib sample photos.
link /usr/lib/python3/dist-packages/sklearn/datasets/images/china.jpg sklearn_china.jpg
link /usr/lib/python3/dist-packages/sklearn/datasets/images/flower.jpg sklearn_flower.jpg
link /usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg matplotlib_grace_hopper.jpg
echo "gather_photos: $(ls "$DATA" | wc -l) pictures and clips in $DATA, $(ls "$HELD_OUT" | wc -l) held out in $HELD_OUT"
