#!/usr/bin/python3
"""Test oracle: MicroAST (Wang et al., AAAI 2023) in Python/PyTorch (Debian's python3-torch),
written from the architecture text in ../shared/weights/README.md and loading the same
safetensors file as StyleCam. Independent of StyleCam's C++ code: only the file is shared.

  microast_reference.py apply WEIGHTS CONTENT STYLES OUT.png [options]
      STYLES              a painting, or a mix "a.jpg:0.7,b.jpg:0.3": the weighted average of
                          the paintings' style codes (weights normalised to sum 1)
      --content-width W   resize the content to W wide (height: the aspect, to a multiple of 4)
      --style-size S      resize each painting so that its shorter side is S (0: as it is)
      --alpha A           MicroAST's own strength (AdaIN blend in the decoder), 0..1 (default 1)
      --strength S        StyleCam's strength: the style code S*code(style) + (1-S)*code(content)
                          (the content's own code, from the content at its resolution), alpha 1
  microast_reference.py time WEIGHTS W H ITERATIONS THREADS
      prints one line per timed frame (seconds for encoder + decoder, style code precomputed)

Images are read and resized with OpenCV (INTER_AREA, as StyleCam), converted to RGB 0..1; the
output is clamped to 0..1, scaled by 255 and rounded. Never used by StyleCam itself.
"""
import argparse
import json
import struct
import sys
import time

import cv2
import numpy as np
import torch
import torch.nn.functional as F


def read_safetensors(path):
    data = open(path, "rb").read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    meta = header.pop("__metadata__", {})
    assert meta.get("architecture") == "microast", path + ": not a microast file"
    out = {}
    for name, info in header.items():
        assert info["dtype"] == "F32", name
        begin, end = info["data_offsets"]
        raw = bytearray(data[8 + length + begin:8 + length + end])
        out[name] = torch.frombuffer(raw, dtype=torch.float32).reshape(info["shape"])
    return out


class Weights:
    """The tensors of one part (prefix), applied as reflection-padded convolutions."""

    def __init__(self, tensors, prefix):
        self.t = tensors
        self.prefix = prefix

    def conv(self, name, x, stride=1):
        w = self.t[f"{self.prefix}.{name}.conv_layer.weight"]
        b = self.t[f"{self.prefix}.{name}.conv_layer.bias"]
        groups = x.shape[1] // w.shape[1]
        pad = w.shape[-1] // 2
        if pad:
            x = F.pad(x, (pad, pad, pad, pad), mode="reflect")
        return F.conv2d(x, w, b, stride=stride, groups=groups)


def encode(p, x):
    """Returns the two 64-channel feature maps at 1/4 resolution."""
    x = F.relu(p.conv("enc1.0", x))
    x = F.relu(p.conv("enc1.2", x, stride=2))
    x = F.relu(p.conv("enc1.4", x))
    x = F.relu(p.conv("enc1.6", x, stride=2))
    x = F.relu(p.conv("enc1.8", x))
    f1 = x + p.conv("enc1.10.conv2", F.relu(p.conv("enc1.10.conv1", x)))
    f2 = f1 + p.conv("enc2.0.conv2", F.relu(p.conv("enc2.0.conv1", f1)))
    return f1, f2


def stats(x):
    n, c = x.shape[:2]
    flat = x.reshape(n, c, -1)
    mean = flat.mean(dim=2).reshape(n, c, 1, 1)
    std = (flat.var(dim=2, unbiased=True) + 1e-5).sqrt().reshape(n, c, 1, 1)
    return mean, std


def style_code(tensors, style):
    """Everything the decoder needs from a painting: per-channel statistics of both style
    features and the four modulation vectors. A dict of N×64×1×1 tensors."""
    s1, s2 = encode(Weights(tensors, "style_encoder"), style)
    mod = Weights(tensors, "modulator")
    code = {}
    code["mean1"], code["std1"] = stats(s1)
    code["mean2"], code["std2"] = stats(s2)
    code["w1"] = mod.conv("weight1.0", s1).mean(dim=(2, 3), keepdim=True)
    code["b1"] = mod.conv("bias1.0", s1).mean(dim=(2, 3), keepdim=True)
    code["w2"] = mod.conv("weight2.0", s2).mean(dim=(2, 3), keepdim=True)
    code["b2"] = mod.conv("bias2.0", s2).mean(dim=(2, 3), keepdim=True)
    return code


def adain(x, mean, std):
    m, s = stats(x)
    return (x - m) / s * std + mean


def modulated_block(p, name, x, w, b):
    h = w * p.conv(name + ".conv1", x) + b * x
    h = F.relu(h)
    return x + w * p.conv(name + ".conv2", h) + b * h


def stylize(tensors, content, code, alpha):
    _, c2 = encode(Weights(tensors, "content_encoder"), content)
    dec = Weights(tensors, "decoder")
    x = alpha * adain(c2, code["mean2"], code["std2"]) + (1 - alpha) * c2
    x = modulated_block(dec, "dec1", x, code["w2"], code["b2"])
    y = alpha * adain(x, code["mean1"], code["std1"]) + (1 - alpha) * x
    y = modulated_block(dec, "dec2", y, code["w1"], code["b1"])
    y = F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=False)
    y = F.relu(dec.conv("dec3.1", y))
    y = F.relu(dec.conv("dec3.3", y))
    y = F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=False)
    y = F.relu(dec.conv("dec3.6", y))
    y = F.relu(dec.conv("dec3.8", y))
    return dec.conv("dec3.10", y)


def load_rgb(path, size=None):
    bgr = cv2.imread(path, cv2.IMREAD_COLOR)
    assert bgr is not None, path + ": cannot read"
    if size is not None and size != (bgr.shape[1], bgr.shape[0]):
        bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
    rgb = bgr[:, :, ::-1].astype(np.float32) / 255.0
    return torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1)))[None]


def style_tensor(path, shorter):
    """The painting with its shorter side resized to `shorter` (0: as it is); the longer side
    keeps the aspect, rounded half up, as StyleCam's painting_size()."""
    bgr = cv2.imread(path, cv2.IMREAD_COLOR)
    assert bgr is not None, path + ": cannot read"
    h, w = bgr.shape[:2]
    size = (w, h)
    if shorter > 0:
        if w <= h:
            size = (shorter, int(h * shorter / w + 0.5))
        else:
            size = (int(w * shorter / h + 0.5), shorter)
    return load_rgb(path, size)


def apply(args):
    torch.set_num_threads(2)
    tensors = read_safetensors(args.weights)
    bgr = cv2.imread(args.content, cv2.IMREAD_COLOR)
    assert bgr is not None, args.content + ": cannot read"
    h, w = bgr.shape[:2]
    width = args.content_width or w
    height = max(4, round(h * width / w / 4) * 4)
    content = load_rgb(args.content, (width, height))
    with torch.no_grad():
        parts = [item.rsplit(":", 1) if ":" in item else (item, "1") for item in args.styles.split(",")]
        total = sum(float(weight) for _, weight in parts)
        code = None
        for path, weight in parts:
            one = style_code(tensors, style_tensor(path, args.style_size))
            share = float(weight) / total
            code = {k: v * share if code is None else code[k] + v * share for k, v in one.items()}
        if args.strength < 1:
            own = style_code(tensors, content)
            code = {k: args.strength * v + (1 - args.strength) * own[k] for k, v in code.items()}
        out = stylize(tensors, content, code, args.alpha)
    rgb = (out[0].clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy()
    cv2.imwrite(args.output, np.ascontiguousarray(rgb[:, :, ::-1]))


def timing(args):
    torch.set_num_threads(args.threads)
    tensors = read_safetensors(args.weights)
    content = torch.rand(1, 3, args.height, args.width)
    with torch.no_grad():
        code = style_code(tensors, torch.rand(1, 3, 256, 256))
        stylize(tensors, content, code, 1.0)
        for _ in range(args.iterations):
            start = time.perf_counter()
            stylize(tensors, content, code, 1.0)
            print(time.perf_counter() - start, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    a = sub.add_parser("apply")
    a.add_argument("weights")
    a.add_argument("content")
    a.add_argument("styles")
    a.add_argument("output")
    a.add_argument("--content-width", type=int, default=0)
    a.add_argument("--style-size", type=int, default=0)
    a.add_argument("--alpha", type=float, default=1.0)
    a.add_argument("--strength", type=float, default=1.0)
    t = sub.add_parser("time")
    t.add_argument("weights")
    t.add_argument("width", type=int)
    t.add_argument("height", type=int)
    t.add_argument("iterations", type=int)
    t.add_argument("threads", type=int)
    args = parser.parse_args()
    apply(args) if args.command == "apply" else timing(args)


if __name__ == "__main__":
    sys.exit(main())
