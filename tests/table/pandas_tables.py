"""Reference tables for tests/table: pandas (and pyarrow) read what causalscope
wrote, and write what causalscope reads.

  python pandas_tables.py read FORMAT PATH      -> JSON of the values pandas reads
  python pandas_tables.py write FORMAT PATH     -> writes the reference frame, prints its JSON

JSON: {"columns": [{"name", "dtype", "values"}]}; floats as repr() strings
(exact: "nan", "inf", "-0.0", "0.1"), ints as ints, bools as bools, strings
as strings, missing strings as null.
"""
import json
import math
import sys

import numpy as np
import pandas as pd


def encode(df):
    cols = []
    for name in df.columns:
        s = df[name]
        if pd.api.types.is_bool_dtype(s):
            values = [bool(v) for v in s]
        elif pd.api.types.is_integer_dtype(s):
            values = [int(v) for v in s]
        elif pd.api.types.is_float_dtype(s):
            values = [repr(float(v)) for v in s]
        else:
            values = [None if (v is None or (isinstance(v, float) and math.isnan(v))) else str(v) for v in s]
        cols.append({"name": str(name), "dtype": str(s.dtype), "values": values})
    return {"columns": cols}


def reference_frame():
    """Numbers that test exact round trips, missing values, awkward strings."""
    return pd.DataFrame({
        "x": np.array([0.1, 1 / 3, -2.5e-300, 5e-324, 1.7976931348623157e308, 123456789.123456789, -0.0, 1e21, np.nan, 7.0]),
        "label": np.array([0, 1, 1, 2, -5, 2147483647, -2147483648, 3, 4, 5], dtype=np.int64),
        "edge": np.array([True, False, True, True, False, False, True, False, True, True]),
        "element": ["Sr", "Ti", "O, apical", 'say "hi"', "two\nlines", " padded ", "Åström µm", "NA", "x\r\ny", "last"],
        "v": np.array([np.nan, 1.5, np.inf, -np.inf, 2.0, 3.0, np.nan, 4.0, 5.0, 6.0]),
        "cat": pd.Categorical(["a", "b", "a", "c", "b", "a", "a", "c", "b", "a"]),
    })


def main():
    mode, fmt, path = sys.argv[1:4]
    if mode == "read":
        if fmt == "csv":
            df = pd.read_csv(path)
        elif fmt == "tsv":
            df = pd.read_csv(path, sep="\t")
        elif fmt == "arrow":
            df = pd.read_feather(path)
        elif fmt == "parquet":
            df = pd.read_parquet(path)
        else:
            raise SystemExit(f"unknown format {fmt}")
    elif mode == "write":
        df = reference_frame()
        if fmt == "csv":
            df.to_csv(path, index=False)
        elif fmt == "tsv":
            df.to_csv(path, index=False, sep="\t")
        elif fmt == "arrow":
            df.to_feather(path)  # pyarrow's default: LZ4-compressed record batches
        elif fmt == "arrow-zstd":
            df.to_feather(path, compression="zstd")
        elif fmt == "arrow-stream":
            import pyarrow as pa
            t = pa.Table.from_pandas(df, preserve_index=False)
            with pa.OSFile(path, "wb") as sink, pa.ipc.new_stream(sink, t.schema) as w:
                w.write_table(t)
        elif fmt == "parquet-crc":
            df.to_parquet(path, index=False, compression=None, write_page_checksum=True)
        elif fmt.startswith("parquet"):
            codec = fmt.split("-")[1] if "-" in fmt else "snappy"
            df.to_parquet(path, index=False, compression=None if codec == "none" else codec)
        else:
            raise SystemExit(f"unknown format {fmt}")
        df = df.assign(cat=df["cat"].astype(str))
    else:
        raise SystemExit(f"unknown mode {mode}")
    json.dump(encode(df), sys.stdout)


if __name__ == "__main__":
    main()
