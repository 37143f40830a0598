#!/usr/bin/python3
"""Generates `facedetail bench faces`' robustness set from photos and their reference faces.

Usage: generate.py --photos DIR --references references.json --out DIR

references.json (written by the bench): {"photo.png": [{"iod": px, "centre": [x, y]}, ...], ...},
the faces of each un-augmented photo. Every image written here comes with the 2 x 3 matrix that
carries a point of its source photo (pixel-corner coordinates, x right, y down) to the image, so
the bench can carry the reference landmarks through it. Deterministic: fixed seeds, no
timestamps; the same inputs give byte-identical files (PNG and JPEG via Pillow).

The set: rolls -60..60 deg in 15 deg steps (canvas grown to hold the turned photo); scales that
put the subject's inter-ocular distance at 16..400 px; gamma 0.4 and 2.5, greyscale, Gaussian
blur sigma 2 px, JPEG quality 15, additive Gaussian noise (sigma 12 of 255); a 24 MP upscale; a
10000 x 600 strip with the portrait pasted in; and a collage of several faces at once.
"""
import argparse
import json
import math
import os

import numpy as np
from PIL import Image, ImageFilter

ROLLS = [-60, -45, -30, -15, 0, 15, 30, 45, 60]
IODS = [16, 24, 32, 48, 64, 100, 160, 250, 400]


def affine_of_resize(sx, sy):
    # Corner-based coordinates scale exactly: x' = sx * x.
    return [[sx, 0.0, 0.0], [0.0, sy, 0.0]]


def compose(a, b):
    """a after b, both 2 x 3."""
    A = np.vstack([np.array(a), [0, 0, 1]])
    B = np.vstack([np.array(b), [0, 0, 1]])
    return (A @ B)[:2].tolist()


def resized(img, w, h):
    return img.resize((w, h), Image.BICUBIC), affine_of_resize(w / img.width, h / img.height)


def rolled(img, degrees):
    """Turned counter-clockwise on screen by `degrees`, canvas grown to hold it, black outside."""
    out = img.rotate(degrees, resample=Image.BICUBIC, expand=True)
    a = math.radians(degrees)
    cx, cy = img.width / 2, img.height / 2
    ox, oy = out.width / 2, out.height / 2
    # A counter-clockwise turn on screen (y down): x' = c*dx + s*dy, y' = -s*dx + c*dy.
    c, s = math.cos(a), math.sin(a)
    return out, [[c, s, ox - c * cx - s * cy], [-s, c, oy + s * cx - c * cy]]


def gamma(img, g):
    x = np.asarray(img).astype(np.float64) / 255.0
    return Image.fromarray(np.clip(np.round(255.0 * x ** g), 0, 255).astype(np.uint8))


def noisy(img, sigma, seed):
    rng = np.random.default_rng(seed)
    x = np.asarray(img).astype(np.float64) + rng.normal(0.0, sigma, size=np.asarray(img).shape)
    return Image.fromarray(np.clip(np.round(x), 0, 255).astype(np.uint8))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", required=True)
    parser.add_argument("--references", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    with open(args.references) as f:
        references = json.load(f)
    os.makedirs(args.out, exist_ok=True)
    entries = []
    identity = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]

    def emit(name, img, source, matrix, augmentation, jpeg_quality=None):
        path = os.path.join(args.out, name)
        if jpeg_quality is None:
            img.save(path, format="PNG", optimize=False)
        else:
            img.save(path, format="JPEG", quality=jpeg_quality)
        entries.append({"file": name, "source": source, "matrix": matrix, "augmentation": augmentation,
                        "width": img.width, "height": img.height})

    for source in sorted(references):
        photo = Image.open(os.path.join(args.photos, source)).convert("RGB")
        stem = os.path.splitext(source)[0]
        for degrees in ROLLS:
            img, m = rolled(photo, degrees)
            emit(f"{stem}-roll{degrees:+03d}.png", img, source, m, f"roll {degrees:+d}°")
        emit(f"{stem}-gamma0.4.png", gamma(photo, 0.4), source, identity, "gamma 0.4")
        emit(f"{stem}-gamma2.5.png", gamma(photo, 2.5), source, identity, "gamma 2.5")
        emit(f"{stem}-grey.png", photo.convert("L").convert("RGB"), source, identity, "greyscale")
        emit(f"{stem}-blur2.png", photo.filter(ImageFilter.GaussianBlur(2)), source, identity, "blur σ 2 px")
        emit(f"{stem}-jpeg15.jpg", photo, source, identity, "JPEG q15", jpeg_quality=15)
        emit(f"{stem}-noise12.png", noisy(photo, 12.0, seed=sum(map(ord, source))), source, identity, "noise σ 12")

    # Scales: the portrait (the photo with one face) at inter-ocular distances of 16..400 px.
    portrait = min(references, key=lambda s: (len(references[s]), s))
    photo = Image.open(os.path.join(args.photos, portrait)).convert("RGB")
    stem = os.path.splitext(portrait)[0]
    iod = references[portrait][0]["iod"]
    for target in IODS:
        f = target / iod
        img, m = resized(photo, max(1, round(photo.width * f)), max(1, round(photo.height * f)))
        emit(f"{stem}-iod{target:03d}.png", img, portrait, m, f"IOD {target} px")

    # 24 MP upscale.
    side = round(math.sqrt(24e6 * photo.width / photo.height))
    img, m = resized(photo, side, round(side * photo.height / photo.width))
    emit(f"{stem}-24mp.png", img, portrait, m, "24 MP upscale")

    # A 10000 x 600 strip (a smooth grey ramp) with the portrait pasted in at 560 px.
    ramp = np.tile(np.linspace(40, 200, 10000, dtype=np.float64), (600, 1))
    strip = Image.fromarray(np.stack([ramp] * 3, axis=-1).round().astype(np.uint8))
    small, m = resized(photo, 560, round(560 * photo.height / photo.width))
    x0, y0 = 6800, (600 - small.height) // 2
    strip.paste(small, (x0, y0))
    emit(f"{stem}-strip.png", strip, portrait, compose([[1, 0, x0], [0, 1, y0]], m), "10000 × 600 strip")

    # Several faces at once: the portrait four times at falling sizes on one canvas.
    canvas = Image.new("RGB", (1100, 1100), (90, 90, 90))
    placements = []
    for k, (size, x, y) in enumerate([(520, 20, 20), (400, 600, 60), (300, 60, 640), (220, 700, 700)]):
        tile, m = resized(photo, size, round(size * photo.height / photo.width))
        canvas.paste(tile, (x, y))
        placements.append(compose([[1, 0, x], [0, 1, y]], m))
    canvas.save(os.path.join(args.out, f"{stem}-collage.png"), format="PNG")
    entries.append({"file": f"{stem}-collage.png", "source": portrait, "matrices": placements,
                    "augmentation": "four faces at once", "width": 1100, "height": 1100})

    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump({"images": entries}, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
