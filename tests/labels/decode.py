"""Independent decoders for tests/labels.rs: zxing-cpp on a picture, and zplkit to render ZPL
labels offline (then zxing-cpp on each). One JSON line per symbol found:
{"label": N, "format": ..., "symbology": "]d2", "data": "<hex of the bytes>"}.

    decode.py gray FILE WIDTH HEIGHT   8-bit grey pixels, row by row (the test writes them)
    decode.py zpl FILE DPI             every ^XA…^XZ label of a ZPL file

Exit 3 when zxing-cpp or zplkit is not installed (the test skips, or fails in CI)."""
import json
import sys

try:
    import zxingcpp
except ImportError as e:
    print(f"zxing-cpp is not installed ({e}); pip install zxing-cpp", file=sys.stderr)
    sys.exit(3)


def report(label, pixels, width, height):
    view = memoryview(pixels).cast("B", (height, width))
    for b in zxingcpp.read_barcodes(view):
        print(json.dumps({
            "label": label,
            "format": str(b.format),
            "symbology": b.symbology_identifier,
            "data": bytes(b.bytes).hex(),
        }))


def main():
    kind, path = sys.argv[1], sys.argv[2]
    data = open(path, "rb").read()
    if kind == "gray":
        report(0, data, int(sys.argv[3]), int(sys.argv[4]))
    elif kind == "zpl":
        try:
            import zplkit
        except ImportError as e:
            print(f"zplkit is not installed ({e}); pip install zplkit", file=sys.stderr)
            sys.exit(3)
        # zplkit's built-in font has no glyph for letters beyond ASCII (a printer's has, with
        # ^CI28): they become '?' here; the symbols' data are ASCII and are what is checked.
        text = data.decode("utf-8")
        data = "".join(c if ord(c) < 128 else "?" for c in text).encode("ascii")
        document = zplkit.render(data, zplkit.Options(dpi=int(sys.argv[3])))
        for warning in document.warnings:
            print(f"zplkit: {warning}", file=sys.stderr)
        for i, label in enumerate(document.labels):
            raster = label.rasterize()
            report(i, bytes(raster.pixels), raster.width, raster.height)
    else:
        sys.exit(f"unknown kind {kind}")


main()
