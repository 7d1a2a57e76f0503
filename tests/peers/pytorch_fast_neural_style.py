#!/usr/bin/python3
"""Benchmark peer and test oracle: the PyTorch examples' fast_neural_style TransformerNet in
Python/PyTorch (Debian's python3-torch), loading the same safetensors files.

  pytorch_fast_neural_style.py time  MODEL W H PRECISION ITERATIONS THREADS
      prints one line per timed iteration: seconds per frame (after warm-up); PRECISION is
      fp32 or bf16 (CPU autocast), or cuda-fp32 or cuda-fp16 (the net on the GPU; each frame's
      time includes copying the output back to the host, as StyleCam's CUDA benchmark does)
  pytorch_fast_neural_style.py apply MODEL IN.png OUT.png
      stylizes an image (RGB 0..255 in, clamp and round out)
  pytorch_fast_neural_style.py video MODEL IN OUT.mp4 PRECISION THREADS
      stylizes every frame of a video as a user of the example would (OpenCV reads and writes,
      one frame after the other); the benchmark times the whole process

Used only by the benchmark executable and for cross-checks; never by StyleCam itself.
"""
import json
import struct
import sys
import time

import torch
import torch.nn as nn


def load_safetensors(path):
    data = open(path, "rb").read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    types = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        raw = bytearray(data[8 + length + begin:8 + length + end])
        tensors[name] = torch.frombuffer(raw, dtype=types[info["dtype"]]).reshape(info["shape"]).float()
    return tensors


class ConvLayer(nn.Module):
    def __init__(self, cin, cout, kernel, stride, upsample=None):
        super().__init__()
        self.upsample = upsample
        self.reflection_pad = nn.ReflectionPad2d(kernel // 2)
        self.conv2d = nn.Conv2d(cin, cout, kernel, stride)

    def forward(self, x):
        if self.upsample:
            x = nn.functional.interpolate(x, mode="nearest", scale_factor=self.upsample)
        return self.conv2d(self.reflection_pad(x))


class ResidualBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = ConvLayer(channels, channels, 3, 1)
        self.in1 = nn.InstanceNorm2d(channels, affine=True)
        self.conv2 = ConvLayer(channels, channels, 3, 1)
        self.in2 = nn.InstanceNorm2d(channels, affine=True)

    def forward(self, x):
        return x + self.in2(self.conv2(torch.relu(self.in1(self.conv1(x)))))


class TransformerNet(nn.Module):
    def __init__(self, c=32, blocks=5):
        super().__init__()
        self.conv1, self.in1 = ConvLayer(3, c, 9, 1), nn.InstanceNorm2d(c, affine=True)
        self.conv2, self.in2 = ConvLayer(c, 2 * c, 3, 2), nn.InstanceNorm2d(2 * c, affine=True)
        self.conv3, self.in3 = ConvLayer(2 * c, 4 * c, 3, 2), nn.InstanceNorm2d(4 * c, affine=True)
        self.blocks = blocks
        for i in range(1, blocks + 1):
            setattr(self, f"res{i}", ResidualBlock(4 * c))
        self.deconv1, self.in4 = ConvLayer(4 * c, 2 * c, 3, 1, 2), nn.InstanceNorm2d(2 * c, affine=True)
        self.deconv2, self.in5 = ConvLayer(2 * c, c, 3, 1, 2), nn.InstanceNorm2d(c, affine=True)
        self.deconv3 = ConvLayer(c, 3, 9, 1)

    def forward(self, x):
        y = torch.relu(self.in1(self.conv1(x)))
        y = torch.relu(self.in2(self.conv2(y)))
        y = torch.relu(self.in3(self.conv3(y)))
        for i in range(1, self.blocks + 1):
            y = getattr(self, f"res{i}")(y)
        y = torch.relu(self.in4(self.deconv1(y)))
        y = torch.relu(self.in5(self.deconv2(y)))
        return self.deconv3(y)


def load_model(path):
    tensors = load_safetensors(path)
    channels = tensors["conv1.conv2d.weight"].shape[0]
    blocks = len({name.split(".")[0] for name in tensors if name.startswith("res")})
    net = TransformerNet(channels, blocks)
    net.load_state_dict(tensors)
    return net.eval()


def main():
    command = sys.argv[1]
    net = load_model(sys.argv[2])
    if command == "time":
        width, height, precision = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
        iterations, threads = int(sys.argv[6]), int(sys.argv[7])
        torch.set_num_threads(threads)
        x = torch.rand(1, 3, height, width) * 255
        cuda = precision.startswith("cuda")
        if cuda:
            dtype = torch.float16 if precision == "cuda-fp16" else torch.float32
            net, x = net.to("cuda", dtype), x.to("cuda", dtype)
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            for _ in range(3 if cuda else 1):
                net(x).cpu()
            for _ in range(iterations):
                start = time.perf_counter()
                net(x).cpu()
                print(time.perf_counter() - start, flush=True)
    elif command == "apply":
        import cv2
        image = cv2.imread(sys.argv[3])[:, :, ::-1].copy()
        x = torch.from_numpy(image).permute(2, 0, 1).float()[None]
        with torch.no_grad():
            y = net(x)[0].clamp(0, 255).round().byte().permute(1, 2, 0).numpy()
        cv2.imwrite(sys.argv[4], y[:, :, ::-1])
    elif command == "video":
        import cv2
        precision, threads = sys.argv[5], int(sys.argv[6])
        torch.set_num_threads(threads)
        reader = cv2.VideoCapture(sys.argv[3])
        fps = reader.get(cv2.CAP_PROP_FPS) or 25
        writer = None
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            while True:
                ok, frame = reader.read()
                if not ok:
                    break
                x = torch.from_numpy(frame[:, :, ::-1].copy()).permute(2, 0, 1).float()[None]
                y = net(x)[0].float().clamp(0, 255).round().byte().permute(1, 2, 0).numpy()
                if writer is None:
                    size = (y.shape[1], y.shape[0])
                    writer = cv2.VideoWriter(sys.argv[4], cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
                writer.write(y[:, :, ::-1].copy())
        writer.release()


if __name__ == "__main__":
    main()
