"""Zarr stores for tests/stem4d/zarr.test.ts, written by zarr-python 3.1.6 (numcodecs 0.16).

argv[1]: output directory. Every array holds v = (r*1000 + c*100 + y*W + x) mod 65536 at scan (r, c),
detector pixel (y, x), shape (4, 5, 16, 12) unless stated; the test computes the same values.
"""
import os
import sys

import numcodecs
import numpy as np
import zarr
from zarr.codecs import BloscCodec, BytesCodec, Crc32cCodec, GzipCodec, ZstdCodec

out = sys.argv[1]
R, C, KY, KX = 4, 5, 16, 12
i = np.indices((R, C, KY, KX))
data = ((i[0] * 1000 + i[1] * 100 + i[2] * KX + i[3]) % 65536).astype("<u2")


def v2(name, dtype, chunks, compressor, **kw):
    a = zarr.create_array(store=os.path.join(out, name), shape=data.shape, chunks=chunks, dtype=dtype, compressors=compressor, zarr_format=2, **kw)
    a[:] = data.astype(dtype)


def v3(name, dtype, chunks, serializer, compressors, **kw):
    a = zarr.create_array(store=os.path.join(out, name), shape=data.shape, chunks=chunks, dtype=dtype, serializer=serializer, compressors=compressors, zarr_format=3, **kw)
    a[:] = data.astype(dtype)


v2("v2-blosc.zarr", "<u2", (2, 3, 8, 12), numcodecs.Blosc(cname="lz4", shuffle=1))
v2("v2-zlib.zarr", ">f4", (3, 2, 5, 8), numcodecs.Zlib(level=4))
v2("v2-gzip.zarr", "<i4", (1, 5, 16, 5), numcodecs.GZip())
v2("v2-lz4.zarr", "<f8", (4, 1, 7, 12), numcodecs.LZ4())
v2("v2-zstd-nested.zarr", "|u1", (2, 2, 16, 12), numcodecs.Zstd(), chunk_key_encoding={"name": "v2", "separator": "/"})
v2("v2-raw.zarr", "<u2", (2, 5, 16, 12), None)
v3("v3-zstd-crc.zarr", "float32", (1, 2, 5, 8), BytesCodec(endian="big"), [ZstdCodec(level=3), Crc32cCodec()])
v3("v3-blosc.zarr", "uint16", (2, 3, 16, 12), BytesCodec(), [BloscCodec(cname="zstd", shuffle="bitshuffle")])
v3("v3-gzip-v2keys.zarr", "int16", (4, 5, 8, 6), BytesCodec(), [GzipCodec()], chunk_key_encoding={"name": "v2", "separator": "."})
# fill value: only the first two scan rows written, the rest never stored
a = zarr.create_array(store=os.path.join(out, "v3-fill.zarr"), shape=data.shape, chunks=(1, 5, 16, 12), dtype="uint16", zarr_format=3, fill_value=7)
a[:2] = data[:2]
# a group with a small metadata array beside the 4-D data
g = zarr.open_group(os.path.join(out, "group.zarr"), mode="w", zarr_format=3)
g.create_array("meta", shape=(3,), dtype="float64")[:] = [1, 2, 3]
g.create_array("scan/data", shape=data.shape, chunks=(2, 5, 16, 12), dtype="uint16")[:] = data
# refused layouts
v2("v2-fortran.zarr", "<u2", (2, 3, 8, 12), None, order="F")
v2("v2-delta.zarr", "<u2", (2, 3, 8, 12), None, filters=[numcodecs.Delta(dtype="<u2")])
s = zarr.create_array(store=os.path.join(out, "v3-shard.zarr"), shape=data.shape, chunks=(1, 1, 8, 12), shards=(2, 5, 16, 12), dtype="uint16", zarr_format=3)
s[:] = data
print("ok")
