#!/usr/bin/env python3
"""Extracts font N of a TrueType collection (.ttc) as a standalone .ttf.

Used once to make internal/notice/fonts/wqy-microhei.ttf from Debian's fonts-wqy-microhei:
the PDF writer reads TrueType fonts but not collections.
    python3 scripts/ttc2ttf.py /usr/share/fonts/truetype/wqy/wqy-microhei.ttc 0 out.ttf
"""
import struct
import sys


def extract(src, index, dst):
    data = open(src, "rb").read()
    tag, _version, count = struct.unpack(">4sLL", data[:12])
    if tag != b"ttcf" or index >= count:
        sys.exit("not a collection, or no font %d" % index)
    offset = struct.unpack(">L", data[12 + 4 * index:16 + 4 * index])[0]
    sfnt, num = struct.unpack(">LH", data[offset:offset + 6])
    records = [struct.unpack(">4sLLL", data[offset + 12 + 16 * i:offset + 28 + 16 * i]) for i in range(num)]
    # The new file: the same offset table, then the tables one after another, 4-byte aligned.
    out = bytearray(data[offset:offset + 12])
    pos = 12 + 16 * num
    body = bytearray()
    directory = bytearray()
    for tag, checksum, toff, length in records:
        chunk = data[toff:toff + length]
        directory += struct.pack(">4sLLL", tag, checksum, pos + len(body), length)
        body += chunk + b"\0" * ((4 - length % 4) % 4)
    out += directory + body
    open(dst, "wb").write(out)


if __name__ == "__main__":
    extract(sys.argv[1], int(sys.argv[2]), sys.argv[3])
