#!/usr/bin/python3
"""Test oracle and benchmark peer: Gatys style transfer with VGG19 in Python/PyTorch (Debian's
python3-torch), written independently of StyleCam from the definitions in the issue:
gram = F Fᵀ / (C·H·W); content = Σ mean((F(x) − F(c))²); style = Σ w·mean((G(x) − G(s))²);
tv = mean(dy²) + mean(dx²). The VGG file's metadata gives the input convention.

  pytorch_gatys.py losses VGG CONTENT.png STYLE.png CONTENT_LAYERS STYLE_LAYERS
      prints the initial losses (init = content) as JSON
  pytorch_gatys.py time VGG CONTENT.png STYLE.png SIZE ITERATIONS THREADS
      one line per L-BFGS iteration (seconds), same loop as StyleCam's (max_iter=1 steps)
"""
import json
import struct
import sys
import time

import cv2
import torch
import torch.nn.functional as F

FEATURE_INDEX = [0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34]
BLOCK_ENDS = {1, 3, 7, 11, 15}  # conv indices followed by max-pool


def load(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        tensors[name] = torch.frombuffer(bytearray(data[8 + n + b:8 + n + e]), dtype=torch.float32).reshape(info["shape"])
    return tensors, header["__metadata__"]


class Vgg:
    def __init__(self, path):
        tensors, meta = load(path)
        self.convs = []
        for i, idx in enumerate(FEATURE_INDEX):
            if f"features.{idx}.weight" not in tensors:
                break
            self.convs.append((tensors[f"features.{idx}.weight"], tensors[f"features.{idx}.bias"]))
        self.bgr = meta["input_color_order"] == "BGR"
        self.scale = 255.0 if meta["input_range"] == "0-255" else 1.0
        self.mean = torch.tensor([float(v) for v in meta["input_mean"].split(",")]).view(1, 3, 1, 1)
        self.std = torch.tensor([float(v) for v in meta["input_std"].split(",")]).view(1, 3, 1, 1)

    @staticmethod
    def index(layer):
        block, conv = int(layer[4]), int(layer[6])
        return [0, 2, 4, 8, 12][block - 1] + conv - 1

    def __call__(self, x, layers):
        x = x * self.scale
        if self.bgr:
            x = x[:, [2, 1, 0]]
        x = (x - self.mean) / self.std
        wanted = {self.index(l): l for l in layers}
        out = {}
        for i in range(max(wanted) + 1):
            w, b = self.convs[i]
            x = F.relu(F.conv2d(x, w, b, padding=1))
            if i in wanted:
                out[wanted[i]] = x
            if i in BLOCK_ENDS and i < max(wanted):
                x = F.max_pool2d(x, 2, 2)
        return out


def gram(f):
    b, c, h, w = f.shape
    f = f.reshape(b, c, h * w)
    return f @ f.transpose(1, 2) / (c * h * w)


def image(path):
    img = cv2.imread(path)[:, :, ::-1].copy()
    return torch.from_numpy(img).permute(2, 0, 1).float()[None] / 255.0


def main():
    command, vgg = sys.argv[1], Vgg(sys.argv[2])
    content, style = image(sys.argv[3]), image(sys.argv[4])
    if command == "losses":
        content_layers, style_layers = sys.argv[5].split(","), sys.argv[6].split(",")
        with torch.no_grad():
            ct = vgg(content, content_layers)
            st = {k: gram(v) for k, v in vgg(style, style_layers).items()}
            x = content.clone()
            fx = vgg(x, content_layers + style_layers)
            c = sum(F.mse_loss(fx[l], ct[l]) for l in content_layers)
            s = sum(F.mse_loss(gram(fx[l]), st[l]) for l in style_layers)
            dy, dx = x[:, :, 1:] - x[:, :, :-1], x[:, :, :, 1:] - x[:, :, :, :-1]
            tv = (dy ** 2).mean() + (dx ** 2).mean()
        print(json.dumps({"content": c.item(), "style": s.item(), "tv": tv.item()}))
    elif command == "time":
        size, iterations, threads = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
        torch.set_num_threads(threads)
        def fit(t):
            h, w = t.shape[2:]
            f = size / max(h, w)
            return F.interpolate(t, size=(round(h * f), round(w * f)), mode="bilinear", align_corners=False)
        content, style = fit(content), fit(style)
        cl, sl = ["relu2_2"], ["relu1_1", "relu2_1", "relu3_1"]
        with torch.no_grad():
            ct = vgg(content, cl)
            st = {k: gram(v) for k, v in vgg(style, sl).items()}
        x = content.clone().requires_grad_(True)
        opt = torch.optim.LBFGS([x], lr=1, max_iter=1, history_size=100, tolerance_grad=0,
                                tolerance_change=0, line_search_fn="strong_wolfe")
        def closure():
            opt.zero_grad()
            fx = vgg(x, cl + sl)
            loss = sum(F.mse_loss(fx[l], ct[l]) for l in cl) + 1e3 * sum(F.mse_loss(gram(fx[l]), st[l]) for l in sl)
            loss.backward()
            return loss
        opt.step(closure)  # warm-up
        for _ in range(iterations):
            start = time.perf_counter()
            opt.step(closure)
            print(time.perf_counter() - start, flush=True)


if __name__ == "__main__":
    main()
