"""Evaluate a scores file against the dataset's ground truth."""

import json
from pathlib import Path

import numpy as np

from neighborhoods import labels, metrics, parquet, provenance


def evaluate_scores(images_path: str | Path, concepts_path: str | Path, scores_path: str | Path) -> dict:
    concepts = labels.read_concepts(concepts_path)
    image_ids, scores = parquet.read_scores(scores_path)
    if scores.shape[1] != len(concepts):
        raise ValueError(
            f"{scores_path}: {scores.shape[1]} scores per image, expected {len(concepts)} concepts"
        )
    images = parquet.read(images_path, parquet.IMAGES)
    labels_of = labels.labels_by_id(images, concepts, dtype=bool)
    missing = [int(i) for i in image_ids if int(i) not in labels_of]
    if missing:
        raise ValueError(f"{scores_path}: image ids not in {images_path}, e.g. {missing[:5]}")
    truth = np.stack([labels_of[int(i)] for i in image_ids])
    return metrics.evaluate(truth, np.asarray(scores, dtype=np.float64))


def write_metrics(
    images_path: str | Path, concepts_path: str | Path, scores_path: str | Path, out_path: str | Path
) -> dict:
    """Evaluate a scores file as written (so the metrics describe exactly that file) and
    save them as JSON, with where and with what the job ran (`provenance`, under its key);
    the scoring jobs call this, which saves one job per scores file. Returns the metrics."""
    result = evaluate_scores(images_path, concepts_path, scores_path)
    Path(out_path).write_text(json.dumps(provenance.stamped(result), indent=2))
    return result


def write_scores(image_ids, scores, scores_path, *, images_path, concepts_path, metrics_path) -> dict:
    """What every scoring job ends with: the scores file, then its metrics beside it."""
    parquet.write(parquet.scores_table(image_ids, scores), scores_path, parquet.SCORES)
    return write_metrics(images_path, concepts_path, scores_path, metrics_path)


def write_test_scores(data, scores, inputs, outputs) -> dict:
    """`write_scores` for a job that scored its split's test subset: `inputs` names the images
    and concepts, `outputs` the scores and metrics files."""
    return write_scores(
        data.subsets["test"].image_ids,
        scores,
        outputs.scores,
        images_path=inputs.images,
        concepts_path=inputs.concepts,
        metrics_path=outputs.metrics,
    )
