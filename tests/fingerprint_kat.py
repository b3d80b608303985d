#!/usr/bin/env python3
# tests/fingerprint_kat.py - known answers for the row fingerprint, from an
# implementation written from the definition in kernels/fingerprint_impl.h
# (Python integers, reduced mod 2^64 by hand), not from the C code.
#
# Writes tests/data/fingerprint_kat.txt: one key per line,
#   tool rule file message line column offset fingerprint   (decimal)
# Run it again only when the definition changes on purpose:
#   python3 tests/fingerprint_kat.py > tests/data/fingerprint_kat.txt
import random

M64 = (1 << 64) - 1
K = [0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F,
     0x165667B1, 0xD3A2646C, 0xFD7046C5, 0xB55A4F09]
M1, M2 = 0xff51afd7ed558ccd, 0xc4ceb9fe1a85ec53


def rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & M64


def fingerprint(tool, rule, file, message, line, column, offset):
    p0 = (tool ^ K[0]) * (rule ^ K[1])
    p1 = (file ^ K[2]) * (message ^ K[3])
    p2 = (line ^ K[4]) * (column ^ K[5])
    p3 = ((offset & 0xffffffff) ^ K[6]) * ((offset >> 32) ^ K[7])
    h = (p0 + rotl(p1, 21) + rotl(p2, 42) + rotl(p3, 63)
         + (tool | line << 32)) & M64
    h ^= h >> 33
    h = (h * M1) & M64
    h ^= h >> 33
    h = (h * M2) & M64
    h ^= h >> 33
    return h if h != 0 else 1


def main():
    rng = random.Random(20261122)
    u32 = (1 << 32) - 1
    keys = [
        (0, 0, 0, 0, 0, 0, 0),
        (u32, u32, u32, u32, u32, u32, M64),
        (0x7fffffff,) * 6 + (0x7fffffffffffffff,),
        (1, 2, 3, 4, 5, 6, 7),
        # a field equal to its key constant makes that product 0
        (K[0], 9, 0, 0, 1, 1, 0),
        (K[0], 10, 0, 0, 1, 1, 0),
    ]
    for _ in range(200):
        keys.append((rng.randrange(5), rng.randrange(300), rng.randrange(5000),
                     rng.randrange(2000), rng.randrange(1, 4000),
                     rng.randrange(80), rng.choice([0, rng.randrange(1 << 40)])))
    for _ in range(50):
        keys.append(tuple(rng.randrange(1 << 32) for _ in range(6))
                    + (rng.randrange(1 << 64),))
    for k in keys:
        print(*k, fingerprint(*k))


if __name__ == "__main__":
    main()
