"""Point location through shapely 2 over the same polygons and points as the Swift benchmark.

STRtree over the 4,509 grid polygons, then one vectorised query of all points with
predicate="within", as the issue asks. Prints lookups per second (best of five) and how often
shapely's answer agrees with Minqing's (points on a boundary are "within" neither side in shapely).
"""
import json
import sys
import time

import numpy as np
import shapely

folder = sys.argv[1] if len(sys.argv) > 1 else ".build/bench"
with open(f"{folder}/grids.geojson", encoding="utf-8") as f:
    features = json.load(f)["features"]
codes = [feature["properties"]["code"] for feature in features]
polygons = shapely.from_geojson([json.dumps(feature["geometry"]) for feature in features])
coordinates = np.fromfile(f"{folder}/points.f64", dtype="<f8").reshape(-1, 2)
points = shapely.points(coordinates)
tree = shapely.STRtree(polygons)

best = float("inf")
for _ in range(5):
    started = time.perf_counter()
    pairs = tree.query(points, predicate="within")
    best = min(best, time.perf_counter() - started)

answers = np.full(len(points), "-", dtype=object)
answers[pairs[0]] = np.array(codes, dtype=object)[pairs[1]]
with open(f"{folder}/answers.txt", encoding="utf-8") as f:
    minqing = f.read().split("\n")
agree = sum(1 for a, b in zip(answers, minqing) if a == b)
print(json.dumps({
    "shapely": shapely.__version__,
    "geos": shapely.geos_version_string,
    "points": len(points),
    "seconds": round(best, 4),
    "lookups_per_second": round(len(points) / best),
    "agreement": agree / len(points),
}))
