"""Reference values for tests/spm/grains.test.ts from scikit-image 0.26.0.

stdin: JSON {width, height, data (row-major, float64), threshold, markers: [[x, y], ...], mask (0/1)}
stdout: JSON {otsu, label4, label8 (labels of data > threshold), watershed (flooded from the markers over -data
within mask, connectivity 1), props (regionprops of label4: area, centroid, equivalent_diameter_area,
intensity_mean/max/min, bbox)}.
"""
import json
import sys

import numpy as np
from skimage.filters import threshold_otsu
from skimage.measure import label, regionprops
from skimage.segmentation import watershed

q = json.load(sys.stdin)
img = np.array(q["data"], dtype=np.float64).reshape(q["height"], q["width"])
mask = img > q["threshold"]
l4 = label(mask, connectivity=1)
l8 = label(mask, connectivity=2)
markers = np.zeros(img.shape, dtype=np.int32)
for k, (x, y) in enumerate(q["markers"]):
    markers[y, x] = k + 1
ws = watershed(-img, markers, mask=np.array(q["mask"], dtype=bool).reshape(img.shape), connectivity=1)
props = [
    {
        "area": float(p.area),
        "x": float(p.centroid[1]),
        "y": float(p.centroid[0]),
        "equivalentDiameter": float(p.equivalent_diameter_area),
        "meanHeight": float(p.intensity_mean),
        "maxHeight": float(p.intensity_max),
        "minHeight": float(p.intensity_min),
        "bbox": [int(p.bbox[1]), int(p.bbox[0]), int(p.bbox[3]) - 1, int(p.bbox[2]) - 1],
    }
    for p in regionprops(l4, intensity_image=img)
]
print(json.dumps({
    "otsu": float(threshold_otsu(img)),
    "label4": l4.ravel().tolist(),
    "label8": l8.ravel().tolist(),
    "watershed": ws.ravel().tolist(),
    "props": props,
}))
