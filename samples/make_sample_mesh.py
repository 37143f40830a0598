"""Regenerates samples/mesh: a UV sphere of quads (poles as triangles) with a UV seam, a checker
base-colour texture and a tangent-space normal map of dimples. Run once; the outputs are committed.
Units: millimetres (radius 50 mm); +Y up."""
import math
import struct
import zlib

import numpy as np

def png(path, rgb):
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].astype(np.uint8).tobytes() for y in range(h))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))

size = 256
y, x = np.mgrid[0:size, 0:size]
checker = ((x // 32 + y // 32) % 2).astype(float)
albedo = np.stack([200 - 80 * checker, 160 - 40 * checker, 140 + 0 * checker], axis=-1)
png("mesh/textures/sphere_albedo.png", albedo)
# Dimples: height h = -cos bumps; normal = normalize(-dh/du, -dh/dv, 1), OpenGL convention (+v up = -row).
u = (x + 0.5) / size; v = 1 - (y + 0.5) / size
k = 2 * math.pi * 8
dhdu = 0.15 * k * np.sin(k * u) * np.cos(k * v) / k
dhdv = 0.15 * k * np.cos(k * u) * np.sin(k * v) / k
n = np.stack([-dhdu, -dhdv, np.ones_like(u)], axis=-1)
n /= np.linalg.norm(n, axis=-1, keepdims=True)
png("mesh/textures/sphere_normal.png", np.round((n * 0.5 + 0.5) * 255))

rings, segments, r = 12, 24, 50.0
lines = ["# facedetail sample: UV sphere, radius 50 mm, +Y up", "mtllib sphere.mtl", "o sphere"]
for i in range(1, rings):
    phi = math.pi * i / rings
    for j in range(segments):
        th = 2 * math.pi * j / segments
        lines.append(f"v {r*math.sin(phi)*math.cos(th):.6f} {r*math.cos(phi):.6f} {-r*math.sin(phi)*math.sin(th):.6f}")
lines += [f"v 0 {r:.6f} 0", f"v 0 {-r:.6f} 0"]
top, bottom = (rings - 1) * segments + 1, (rings - 1) * segments + 2
for i in range(1, rings):
    for j in range(segments + 1):  # seam: the last column repeats u = 1
        lines.append(f"vt {j / segments:.6f} {1 - i / rings:.6f}")
for j in range(segments):
    lines.append(f"vt {(j + 0.5) / segments:.6f} 1")
    lines.append(f"vt {(j + 0.5) / segments:.6f} 0")
ring_uv0 = (rings - 1) * (segments + 1) + 1
lines.append("usemtl sphere")
def vid(i, j): return (i - 1) * segments + (j % segments) + 1
def tid(i, j): return (i - 1) * (segments + 1) + j + 1
for j in range(segments):
    lines.append(f"f {top}/{ring_uv0 + 2*j} {vid(1, j)}/{tid(1, j)} {vid(1, j+1)}/{tid(1, j+1)}")
for i in range(1, rings - 1):
    for j in range(segments):
        lines.append(f"f {vid(i, j)}/{tid(i, j)} {vid(i+1, j)}/{tid(i+1, j)} {vid(i+1, j+1)}/{tid(i+1, j+1)} {vid(i, j+1)}/{tid(i, j+1)}")
for j in range(segments):
    lines.append(f"f {vid(rings-1, j)}/{tid(rings-1, j)} {bottom}/{ring_uv0 + 2*j + 1} {vid(rings-1, j+1)}/{tid(rings-1, j+1)}")
open("mesh/sphere.obj", "w").write("\n".join(lines) + "\n")
open("mesh/sphere.mtl", "w").write("newmtl sphere\nKd 1 1 1\nmap_Kd textures/sphere_albedo.png\nnorm textures/sphere_normal.png\n")
