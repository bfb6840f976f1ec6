"""The control's ceiling: the posterior of each label given an image and its M neighbors, from
the parameters the generator planted (`generated.control`).

It knows what no trained method knows: each label's base rate pi, sharing s and visibility v,
its direction u, and how the clarity c of an image is written in its features. It reads the
same inputs as the model (the image's features and its M nearest metadata neighbors') and
assumes the neighbors are album mates, as most are. With p = u . phi(x) ~ N(y v c, 1):

    log-likelihood ratio of y = 1:   r(x) = v c p - (v c)^2 / 2
    an image given its album's label a:  P(y = 1 | a) = q_a,  q_1 = s + (1 - s) pi,  q_0 = (1 - s) pi
    the album label given the neighbors: P(a | z) ~ P(a) prod_z (q_a e^r(z) + 1 - q_a)
    the image's label:  P(y = 1 | x, z) = sum_a P(a | z) q_a e^r(x) / sum_a P(a | z) (q_a e^r(x) + 1 - q_a)

Scores are that posterior's log-odds (mAP ranks them; sigmoid gives the probability).
"""

import numpy as np
from scipy.special import logsumexp

from neighborhoods.generated.control import Planted


def likelihood_ratios(planted: Planted, features: np.ndarray) -> np.ndarray:
    """(n, L) log-likelihood ratios r of each label being present, from each image's features."""
    features = np.asarray(features, dtype=np.float64)
    clarity = features[:, 0] / planted.signature
    projection = features @ np.asarray(planted.directions).T
    mean = clarity[:, None] * np.asarray(planted.visibility)
    return mean * projection - mean**2 / 2


def posterior_log_odds(planted: Planted, own: np.ndarray, neighbors: np.ndarray) -> np.ndarray:
    """(n, L) log-odds of each label, from the images' ratios `own` (n, L) and their neighbors'
    ratios `neighbors` (n, M, L)."""
    base, sharing = np.asarray(planted.base_rate), np.asarray(planted.sharing)
    q = np.stack([(1 - sharing) * base, sharing + (1 - sharing) * base])  # q_a, a = 0, 1
    with np.errstate(divide="ignore"):  # s = 1 makes q_0 = 0 and q_1 = 1: log 0 is -inf, as meant
        log_q, log_not_q = np.log(q), np.log1p(-q)
    log_prior = np.log(np.stack([1 - base, base]))
    # log P(a | z) up to a constant: log P(a) + sum_z log(q_a e^r(z) + 1 - q_a), per a.
    log_album = log_prior[:, None, :] + np.stack(
        [np.logaddexp(log_q[a] + neighbors, log_not_q[a]).sum(axis=1) for a in (0, 1)]
    )
    present = logsumexp(log_album + log_q[:, None, :], axis=0) + own
    absent = logsumexp(log_album + log_not_q[:, None, :], axis=0)
    return present - absent


def scores(planted: Planted, features: np.ndarray, rows: np.ndarray, neighbor_rows: np.ndarray) -> np.ndarray:
    """(n, L) oracle log-odds of the images at `rows` of `features`, with the neighbors at
    `neighbor_rows` (n, M)."""
    ratios = likelihood_ratios(planted, features)
    return posterior_log_odds(planted, ratios[rows], ratios[neighbor_rows])
