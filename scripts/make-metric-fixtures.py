#!/usr/bin/python3
"""Writes the metric fixtures the C# tests compare against: seeded label/probability sets and scikit-learn's values.

Run with Debian's scikit-learn (apt-get install -y python3-sklearn):

    /usr/bin/python3 scripts/make-metric-fixtures.py

Output: tests/TransferLearning.ML.Tests/Fixtures/metrics/<case>.json, one file per case. The files are committed;
re-run the script only when a case is added or changed.

Conventions shared with TransferLearning.ML.Evaluation (see docs/metrics-and-report.md):
- probabilities are float32 (what a network's softmax gives); they are stored as the exact double value of each
  float32 and handed to scikit-learn as float64 arrays of those values;
- binary: predicted = P(class 1) >= threshold; multiclass: argmax (first maximum on ties);
- every class-indexed metric is computed with labels=range(K), so classes that are never predicted (or absent)
  keep their row/column, and zero_division=0;
- log loss clips to [eps, 1 - eps] with eps = float32 machine epsilon, which is what scikit-learn >= 1.3 does
  for a float32 array (eps = np.finfo(y_pred.dtype).eps); scikit-learn 1.2 (Debian 12) also renormalises rows
  after clipping, which moves these fixtures' values by < 1e-7 (checked below);
- roc_curve uses drop_intermediate=False; its first threshold is +inf as in scikit-learn >= 1.3 (1.2 writes
  max + 1), stored as the string "Infinity";
- the expected calibration error, specificity and threshold choices have no scikit-learn function: they are
  computed here from scikit-learn's confusion matrix / roc_curve with the definitions in the docs.
"""

import json
import os
import sys

import numpy as np
import sklearn
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    cohen_kappa_score,
    confusion_matrix,
    log_loss,
    precision_recall_fscore_support,
    roc_auc_score,
    roc_curve,
)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "TransferLearning.ML.Tests",
                   "Fixtures", "metrics")
ECE_BINS = 15
F32_EPS = float(np.finfo(np.float32).eps)


def softmax(logits):
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def as_float32(p):
    """Rounds to float32 as a network would give them; rows then sum to 1 within float32 rounding."""
    return p.astype(np.float32)


def predictions(p, threshold):
    if p.shape[1] == 2:
        return (p[:, 1] >= threshold).astype(int)
    return p.argmax(axis=1)


def expected_calibration_error(y, p):
    confidence = p.max(axis=1)
    correct = (p.argmax(axis=1) == y).astype(float)
    edges = np.arange(ECE_BINS + 1) / float(ECE_BINS)
    ece = 0.0
    for b in range(ECE_BINS):
        # bins are (lower, upper]; the first one also takes a confidence of exactly 0
        in_bin = (confidence > edges[b]) & (confidence <= edges[b + 1])
        if b == 0:
            in_bin |= confidence == 0
        n = in_bin.sum()
        if n:
            ece += n / len(y) * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return float(ece)


def threshold_choices(y, score):
    """Youden's J, the sensitivity/specificity targets and the prevalence choices, on roc_curve's finite thresholds (descending)."""
    fpr, tpr, thr = roc_curve(y, score, drop_intermediate=False)
    fpr, tpr, thr = fpr[1:], tpr[1:], thr[1:]  # skip the "predict nothing" point (threshold inf / max + 1)
    j = tpr - fpr
    youden = float(thr[int(np.argmax(j))])  # argmax takes the first, i.e. the highest threshold on ties
    out = {"youden": youden}
    for target in (0.8, 0.9, 0.95):
        # highest threshold whose sensitivity reaches the target
        out[f"sensitivity_{target}"] = float(thr[int(np.argmax(tpr >= target))])
        # lowest threshold whose specificity still reaches the target
        ok = np.where(1 - fpr >= target)[0]
        out[f"specificity_{target}"] = float(thr[ok[-1]]) if len(ok) else None
    for prevalence in (0.1, 0.3, 0.625, 0.9):
        # best expected accuracy where a share `prevalence` of the population is positive (first maximum: highest threshold)
        expected_accuracy = prevalence * tpr + (1 - prevalence) * (1 - fpr)
        out[f"prevalence_{prevalence}"] = float(thr[int(np.argmax(expected_accuracy))])
    return out


def case(name, description, y, p32, class_names, threshold=0.5):
    k = p32.shape[1]
    labels = list(range(k))
    p = p32.astype(np.float64)  # the exact float32 values
    y = np.asarray(y, dtype=int)
    y_pred = predictions(p, threshold)

    cm = confusion_matrix(y, y_pred, labels=labels)
    precision, recall, f1, support = precision_recall_fscore_support(
        y, y_pred, labels=labels, zero_division=0)
    tp = np.diag(cm).astype(float)
    fp = cm.sum(axis=0) - tp
    fn = cm.sum(axis=1) - tp
    tn = cm.sum() - tp - fp - fn
    specificity = np.where(tn + fp > 0, tn / np.maximum(tn + fp, 1), 0.0)

    def averaged(average):
        pr, rc, f, _ = precision_recall_fscore_support(
            y, y_pred, labels=labels, average=average, zero_division=0)
        spec = float(np.average(specificity, weights=support if average == "weighted" else None))
        return {"precision": float(pr), "recall": float(rc), "f1": float(f), "specificity": spec}

    if k == 2:
        roc_auc = roc_auc_score(y, p[:, 1])
        ap = average_precision_score(y, p[:, 1])
    else:
        roc_auc = roc_auc_score(y, p, multi_class="ovr", average="macro", labels=labels)
        ap = average_precision_score(np.eye(k)[y], p, average="macro")
    roc_auc_per_class = [roc_auc_score(y == c, p[:, c]) for c in labels]
    ap_per_class = [average_precision_score(y == c, p[:, c]) for c in labels]

    ll = log_loss(y, p, eps=F32_EPS, labels=labels)
    clipped = np.clip(p, F32_EPS, 1 - F32_EPS)
    ll_without_renormalising = float(-np.mean(np.log(clipped[np.arange(len(y)), y])))
    assert abs(ll - ll_without_renormalising) < 1e-7, (name, ll, ll_without_renormalising)

    expected = {
        "accuracy": accuracy_score(y, y_pred),
        "balanced_accuracy": balanced_accuracy_score(y, y_pred),
        "precision": precision.tolist(),
        "recall": recall.tolist(),
        "f1": f1.tolist(),
        "support": support.tolist(),
        "specificity": specificity.tolist(),
        "macro": averaged("macro"),
        "weighted": averaged("weighted"),
        "roc_auc": float(roc_auc),
        "roc_auc_per_class": [float(v) for v in roc_auc_per_class],
        "average_precision": float(ap),
        "average_precision_per_class": [float(v) for v in ap_per_class],
        "log_loss": float(ll_without_renormalising),
        "cohen_kappa": float(cohen_kappa_score(y, y_pred, labels=labels)),
        "quadratic_kappa": float(cohen_kappa_score(y, y_pred, labels=labels, weights="quadratic")),
        "confusion_matrix": cm.tolist(),
        "expected_calibration_error": expected_calibration_error(y, p),
    }
    if k == 2:
        fpr, tpr, thr = roc_curve(y, p[:, 1], drop_intermediate=False)
        expected["roc_curve"] = {"fpr": fpr.tolist(), "tpr": tpr.tolist(),
                                 "thresholds": ["Infinity"] + thr[1:].tolist()}
        expected["thresholds"] = threshold_choices(y, p[:, 1])

    return {
        "name": name,
        "description": description,
        "generator": f"scripts/make-metric-fixtures.py, scikit-learn {sklearn.__version__}, numpy {np.__version__}",
        "class_names": class_names,
        "threshold": threshold,
        "labels": y.tolist(),
        "probabilities": p.tolist(),
        "expected": expected,
    }


def binary_cases(rng):
    n = 400
    y = (rng.random(n) < 0.3).astype(int)
    score = rng.normal(0, 1, n) + 1.6 * y
    p1 = 1 / (1 + np.exp(-(score - 0.8)))
    # two decimals: many tied scores, which is where ROC/PR implementations differ
    p1 = np.round(p1, 2)
    # a few certain answers, right and wrong, so log loss has to clip
    p1[:3] = [0.0, 1.0, 1.0]
    y[:3] = [1, 0, 1]
    p = as_float32(np.stack([1 - p1, p1], axis=1))
    names = ["NORMAL", "PNEUMONIA"]
    default = case("binary", "400 images, 30 % positive, tied scores, three certain answers (two wrong); threshold 0.5",
                   y, p, names)
    youden = default["expected"]["thresholds"]["youden"]
    at_youden = case("binary-youden-threshold", "the binary case evaluated at its Youden threshold",
                     y, p, names, threshold=youden)
    return [default, at_youden]


def multiclass_case(rng, name, description, n, k, strength, class_weights, never_predicted=None):
    y = rng.choice(k, size=n, p=class_weights)
    logits = rng.normal(0, 1, (n, k))
    logits[np.arange(n), y] += strength
    if never_predicted is not None:
        logits[:, never_predicted] -= 4.0  # its probability stays below the winner's on every row
    p = as_float32(softmax(logits))
    if never_predicted is not None:
        assert (p.argmax(axis=1) != never_predicted).all()
    return case(name, description, y, p, [f"class{c}" for c in range(k)])


def ordinal_case(rng):
    # a 0-4 grading task (like diabetic retinopathy): scores near the true grade, errors mostly to a neighbour
    n, k = 500, 5
    y = rng.choice(k, size=n, p=[0.44, 0.12, 0.19, 0.18, 0.07])
    latent = y + rng.normal(0, 0.9, n)
    logits = -0.9 * (np.arange(k)[None, :] - latent[:, None]) ** 2
    p = as_float32(softmax(logits))
    return case("ordinal-5-class", "graded 0-4, errors mostly to a neighbouring grade (quadratic kappa)", y, p,
                ["grade0", "grade1", "grade2", "grade3", "grade4"])


def main():
    rng = np.random.default_rng(20261122)
    cases = binary_cases(rng)
    cases.append(multiclass_case(rng, "multiclass-3", "3 classes, 300 images, moderately separable",
                                 300, 3, 1.5, [0.5, 0.3, 0.2]))
    cases.append(multiclass_case(rng, "multiclass-5-never-predicted",
                                 "5 classes, 400 images; class 4 occurs but is never predicted (precision 0)",
                                 400, 5, 2.0, [0.3, 0.25, 0.2, 0.15, 0.1], never_predicted=4))
    cases.append(ordinal_case(rng))
    os.makedirs(OUT, exist_ok=True)
    for c in cases:
        path = os.path.join(OUT, c["name"] + ".json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(c, f, indent=1, allow_nan=False)
            f.write("\n")
        print(f"{path}: accuracy {c['expected']['accuracy']:.4f}, roc_auc {c['expected']['roc_auc']:.4f}",
              file=sys.stderr)


if __name__ == "__main__":
    main()
