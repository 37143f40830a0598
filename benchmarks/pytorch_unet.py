"""PyTorch's CPU times for pix2pix's unet_256, the reference `facedetail bench nn --pytorch PYTHON`
prints beside the engine's own (same machine, same run).

Same networks as the engine's (Tests/Fixtures/pix2pix/make_fixture.py defines them as pix2pix
does), one 3 x 256 x 256 input, 2 threads: forward in eval mode under no_grad, forward+backward in
train mode. Adam: one `torch.optim.Adam` step (pix2pix's lr 2e-4, betas (0.5, 0.999); PyTorch's default
implementation for CPU tensors) over all parameters with a backward pass's gradients.
Prints JSON: {"version", "threads", "networks": {ngf: {"forwardMs", "forwardBackwardMs", "adamMs"}}},
medians of --runs runs after one warm-up.
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "pix2pix"))
from make_fixture import UnetGenerator  # noqa: E402


def median_ms(body, runs):
    body()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        body()
        samples.append(time.perf_counter() - start)
    return sorted(samples)[len(samples) // 2] * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--filters", default="64,16")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(5)
    x = torch.rand(1, 3, 256, 256) * 2 - 1
    networks = {}
    for ngf in [int(f) for f in args.filters.split(",")]:
        net = UnetGenerator(3, 3, 8, ngf=ngf, use_dropout=True)
        net.eval()

        def forward():
            with torch.no_grad():
                net(x)

        forward_ms = median_ms(forward, args.runs)
        net.train()

        def both():
            y = net(x)
            y.backward(y.detach())
            net.zero_grad(set_to_none=True)

        both_ms = median_ms(both, args.runs)
        y = net(x)
        y.backward(y.detach())
        adam = torch.optim.Adam(net.parameters(), lr=2e-4, betas=(0.5, 0.999))  # pix2pix's settings
        networks[str(ngf)] = {"forwardMs": forward_ms, "forwardBackwardMs": both_ms, "adamMs": median_ms(adam.step, args.runs)}
        print(f"pytorch ngf {ngf}: {networks[str(ngf)]}", file=sys.stderr)
    print(json.dumps({"version": torch.__version__, "threads": torch.get_num_threads(), "networks": networks}))


if __name__ == "__main__":
    main()
