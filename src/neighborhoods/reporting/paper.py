"""The paper's published numbers (Johnson et al., ICCV 2015), printed beside ours."""

METRICS = ("mAP_L", "mAP_I", "Rec_L", "Prec_L", "Rec_I", "Prec_I")

# Table 2, NUS-WIDE, n = 3. Keys are this pipeline's experiment kinds.
TABLE2 = {
    "upper": dict(zip(METRICS, (100.00, 100.00, 68.52, 60.68, 92.09, 66.83), strict=True)),
    "tagonly": dict(zip(METRICS, (43.88, 77.06, 47.52, 46.83, 71.34, 51.18), strict=True)),
    "knn": dict(zip(METRICS, (44.03, 73.72, 30.83, 44.41, 68.06, 49.49), strict=True)),
    "visual": dict(zip(METRICS, (45.78, 77.15, 43.12, 40.90, 71.60, 51.56), strict=True)),
    "nbrvote": dict(zip(METRICS, (50.40, 77.86, 34.52, 56.05, 72.12, 51.91), strict=True)),
    "nbr-tags": dict(zip(METRICS, (52.78, 80.34, 43.61, 46.98, 74.72, 53.69), strict=True)),
    "nbr-tags-tagvec": dict(zip(METRICS, (61.88, 80.27, 57.30, 54.74, 75.10, 53.46), strict=True)),
}

# Rows quoted by the paper from other work; shown as quoted, never rerun.
TABLE2_QUOTED = {
    "Tag-only + linear SVM (McAuley & Leskovec)": {"mAP_L": 46.67},
    "Graphical model, all metadata (McAuley & Leskovec)": {"mAP_L": 49.00},
    "CNN + softmax (Gong et al.)": {"Rec_L": 31.22, "Prec_L": 31.68, "Rec_I": 59.52, "Prec_I": 47.82},
    "CNN + ranking (Gong et al.)": {"Rec_L": 26.83, "Prec_L": 31.93, "Rec_I": 58.00, "Prec_I": 46.59},
    "CNN + WARP (Gong et al.)": {"Rec_L": 35.60, "Prec_L": 31.65, "Rec_I": 60.49, "Prec_I": 48.59},
}

# Table 3: mAP_L / mAP_I of the model with neighbors from each kind of metadata.
TABLE3 = {
    "none": {"mAP_L": 45.78, "mAP_I": 77.15},
    "visual": {"mAP_L": 47.45, "mAP_I": 78.56},
    "groups": {"mAP_L": 48.87, "mAP_I": 79.11},
    "sets": {"mAP_L": 48.02, "mAP_I": 78.40},
    "tags": {"mAP_L": 52.78, "mAP_I": 80.34},
}

# Table 4: mAP_L, trained with neighbors from one kind of metadata (key) and tested with another.
TABLE4 = {
    "tags": {"tags": 52.78, "sets": 47.12, "groups": 48.14},
    "sets": {"tags": 52.21, "sets": 48.02, "groups": 48.49},
    "groups": {"tags": 50.32, "sets": 47.82, "groups": 48.87},
}
