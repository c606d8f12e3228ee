"""Reference row of the bench's feature-head comparison: scikit-learn LogisticRegression with its defaults
(L2, C=1, lbfgs, max_iter=100, no class weights) on the cached MobileNetV2 features the library's heads were fitted on.

    /usr/bin/python3 bench/heads/sklearn_logreg.py DIR

DIR holds train_x.npy [n, d] float32, train_y.npy [n] int32 and val_x.npy [m, d] float32 (written by the bench);
the script writes val_proba.f32 (m × k float32, row-major, classes 0..k-1) and sklearn.json (version, iterations).
"""
import json
import sys
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

folder = sys.argv[1]
x = np.load(f"{folder}/train_x.npy")
y = np.load(f"{folder}/train_y.npy")
v = np.load(f"{folder}/val_x.npy")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", ConvergenceWarning)
    model = LogisticRegression().fit(x, y)
assert list(model.classes_) == list(range(len(model.classes_))), model.classes_
model.predict_proba(v).astype(np.float32).tofile(f"{folder}/val_proba.f32")
with open(f"{folder}/sklearn.json", "w") as f:
    json.dump({
        "version": sklearn.__version__,
        "iterations": int(np.max(model.n_iter_)),
        "converged": not any(issubclass(w.category, ConvergenceWarning) for w in caught),
    }, f)
