"""A generated stand-in for NUS-WIDE, so the whole pipeline runs with no data or network.

The generator imitates the structure the paper relies on. Latent scene *topics* tie
everything together: an image's topic decides which labels it likely has, which tags its
owner writes, which of the owner's albums (photo sets) and which groups it goes into. The
pixels show a label only part of the time (an object usually, an event rarely), and show
distractors, clutter, occlusion and noise, so one image alone is often ambiguous while
images that share metadata with it share its topic and labels: neighbors carry real extra
information, as on Flickr.

Everything random comes from numpy Generators seeded by `seed` (one for the metadata, one
per image for its pixels), so the same arguments give byte-identical files.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
from PIL import Image

from neighborhoods import parquet, seeds
from neighborhoods.generated.concepts import CONCEPTS, POPULARITY, SYNONYMS, visibility
from neighborhoods.ingestion.filtering import drop_unusable
from neighborhoods.ingestion.statistics import table1

# --- labels ------------------------------------------------------------------------------
LABELS_PER_IMAGE = 2.7  # rate target; capping and events bring the mean to ~2.4 (NUS-WIDE: 2.4)
LABEL_ZIPF = 1.0  # base rate of the concept at popularity rank r ~ r ** -LABEL_ZIPF
MAX_LABEL_PROB = 0.9  # no label is certain within a topic
USER_TASTE = 0.1  # gamma shape of an owner's factor on each label rate (mean 1; small = picky)
# --- events: bursts of photos of one occasion by one owner (a wedding, a trip to the zoo) ---
EVENT_SIZE = 12.0  # mean images per event
EVENT_KEEP = 0.8  # an event's label appears in each of its images this often
OWN_LABELS = 0.25  # share of an image's labels drawn for the image alone, not its event
EVENT_WORDS, EVENT_WORD_PROB = 4, 0.9  # words of an occasion (names, places): owners batch-tag a whole event
# --- metadata ----------------------------------------------------------------------------
TAGS_MEAN, TAGS_SHAPE = 15.5, 1.6  # negative binomial: NUS-WIDE has 14.2 mean, 11 median
SETS_MEAN = 2.0  # geometric: NUS-WIDE has 2.0 mean, 1 median
GROUPS_MEAN, GROUPS_SHAPE = 13.0, 1.0  # NUS-WIDE has 13.1 mean, 8 median
SYNONYM_TAG_PROB = 0.3  # a present label is tagged with one of its words this often
WRONG_LABEL_TAGS = 0.3  # Poisson mean: words of absent but topical labels
TAG_SOURCES = (0.35, 0.25, 0.40)  # the other tags: topic words, owner's words, Zipf noise
WORD_POOL = 30000  # made-up words behind topic, owner and noise tags
TOPIC_WORDS, USER_WORDS = 120, 12  # vocabulary of one topic; words one owner reuses
NEW_ALBUM = 0.6  # Chinese-restaurant concentration for a user's albums on one topic
GROUPS_PER_IMAGE = 0.5  # groups in the world = this x images
GENERIC_GROUPS = 0.2  # share of groups about no topic in particular
TOPICAL_PICK = 0.7  # share of an image's groups taken from its topic's pools
UNUSABLE_SHARE = 0.01  # images generated without metadata, and half as many without labels
# --- pixels ------------------------------------------------------------------------------
DISTRACTORS = 0.7  # Poisson mean: glyphs of concepts the image does not have
CLUTTER = 1.0  # Poisson mean: plain blobs that look a bit like glyphs
OCCLUDE_PROB = 0.35
SHAPES = ("circle", "square", "triangle", "diamond", "star", "ring", "cross", "hexagon", "crescent")
TEXTURES = ("solid", "hstripes", "vstripes", "diagonal", "dots", "checker", "rings", "radial", "grid")
COLOURS = (
    np.array(
        [
            [220, 40, 40],
            [245, 140, 20],
            [235, 215, 40],
            [40, 170, 60],
            [20, 170, 170],
            [40, 80, 225],
            [135, 50, 205],
            [240, 100, 185],
            [125, 75, 30],
        ],
        dtype=np.float32,
    )
    / 255
)
JPEG_QUALITY = 90


@dataclass
class World:
    """The latent structure every image is drawn from (topics, users, groups, words)."""

    label_prob: np.ndarray  # (topics, concepts): P(label | topic)
    base_rate: np.ndarray  # (concepts,): overall popularity, used for distractors
    palette: np.ndarray  # (topics, 2, 3): background colours that hint at the topic
    user_topics: np.ndarray  # (users, topics): each user photographs a few topics
    user_activity: np.ndarray  # (users,): share of images a user owns
    user_taste: np.ndarray  # (users, concepts): mean-1 factors on label rates
    user_words: np.ndarray  # (users, USER_WORDS): word ids a user keeps reusing
    owners: list[str]  # Flickr-like user ids
    topic_words: np.ndarray  # (topics, TOPIC_WORDS): word ids of each topic
    group_topic: np.ndarray  # (groups,): topic of a group, -1 for generic groups
    group_weight: np.ndarray  # (groups,): popularity of a group
    group_ids: list[str]
    words: list[str]  # the made-up word of each word id


# ----------------------------------------------------------------------------- the world


def _zipf(n: int, exponent: float) -> np.ndarray:
    """Normalised weights 1 / rank ** exponent for ranks 1..n."""
    weights = np.arange(1, n + 1, dtype=float) ** -exponent
    return weights / weights.sum()


def _label_probabilities(rng: np.random.Generator, topics: int) -> tuple[np.ndarray, np.ndarray]:
    """P(label | topic): Zipf-like overall rates, each label spread over a few topics.

    Common labels (sky, person) appear in most topics, rare ones in one or two, so labels
    co-occur through topics. The rates are rescaled until the expected number of labels
    per image, after capping, is LABELS_PER_IMAGE.
    """
    rank = np.array([POPULARITY.index(c) for c in CONCEPTS])
    base = _zipf(len(CONCEPTS), LABEL_ZIPF)[rank]
    spread = 0.15 + 3.0 * base / base.max()  # Dirichlet concentration over topics
    share = np.stack([rng.dirichlet(np.full(topics, a)) for a in spread], axis=1)
    scale = LABELS_PER_IMAGE
    for _ in range(50):
        prob = np.minimum(MAX_LABEL_PROB, scale * base * topics * share)
        scale *= LABELS_PER_IMAGE / prob.sum(axis=1).mean()
    return prob, base


def _word_strings(count: int, exclude: set[str]) -> list[str]:
    """`count` distinct made-up lower-case words of three syllables ("tokavi"), none in exclude."""
    consonants, vowels = "bdfghklmnprstvz", "aeiou"
    syllables = [c + v for c in consonants for v in vowels]
    n = len(syllables)
    words, code = [], 0
    while len(words) < count:
        k = (code * 7919) % n**3  # a stride coprime to n**3 scatters neighbouring codes
        word = syllables[k // n**2] + syllables[(k // n) % n] + syllables[k % n]
        code += 1
        if word not in exclude:
            words.append(word)
    return words


def _flickr_ids(rng: np.random.Generator, count: int, suffix: str) -> list[str]:
    """Distinct random Flickr-like ids ("12345678@N00"), so no id encodes its topic."""
    numbers = rng.choice(90_000_000, size=count, replace=False) + 10_000_000
    return [f"{x}{suffix}" for x in numbers]


def sample_world(rng: np.random.Generator, *, images: int, users: int, topics: int) -> World:
    """Draw topics, users and groups: everything shared between images."""
    label_prob, base_rate = _label_probabilities(rng, topics)
    palette = rng.uniform(0.1, 0.9, size=(topics, 2, 3)).astype(np.float32)
    user_topics = rng.dirichlet(np.full(topics, 0.3), size=users)
    user_activity = rng.lognormal(0.0, 1.0, size=users)
    user_activity /= user_activity.sum()
    user_words = rng.integers(0, WORD_POOL, size=(users, USER_WORDS))
    topic_words = np.stack([rng.choice(WORD_POOL, size=TOPIC_WORDS, replace=False) for _ in range(topics)])
    n_groups = max(2 * topics, int(GROUPS_PER_IMAGE * images))
    group_topic = rng.integers(0, topics, size=n_groups)
    group_topic[rng.random(n_groups) < GENERIC_GROUPS] = -1
    group_weight = rng.permutation(_zipf(n_groups, 0.9))
    taken = {w for ws in SYNONYMS.values() for w in ws}
    return World(
        label_prob=label_prob,
        base_rate=base_rate,
        palette=palette,
        user_topics=user_topics,
        user_activity=user_activity,
        user_taste=rng.gamma(USER_TASTE, 1 / USER_TASTE, size=(users, len(CONCEPTS))),
        user_words=user_words,
        owners=_flickr_ids(rng, users, "@N00"),
        topic_words=topic_words,
        group_topic=group_topic,
        group_weight=group_weight,
        group_ids=_flickr_ids(rng, n_groups, "@N20"),
        words=_word_strings(WORD_POOL, taken),
    )


# ---------------------------------------------------------------------------- the images


def _categorical_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of a (n, k) probability matrix, vectorised."""
    cumulative = probs.cumsum(axis=1)
    u = rng.random(len(probs))[:, None] * cumulative[:, -1:]
    return np.minimum((u > cumulative).sum(axis=1), probs.shape[1] - 1)


def label_rates(world: World, owner: np.ndarray, topic: np.ndarray, mean: float) -> np.ndarray:
    """P(label) per image: the topic's rate times the owner's taste for the label (mean 1,
    skewed: a dog owner photographs dogs), rescaled so the expected count is `mean`."""
    raw = world.label_prob[topic] * world.user_taste[owner]
    scale = 1.0
    for _ in range(30):
        prob = np.minimum(MAX_LABEL_PROB, scale * raw)
        scale *= mean / prob.sum(axis=1).mean()
    return prob


def sample_labels(rng: np.random.Generator, prob: np.ndarray) -> np.ndarray:
    """Labels as a (n, concepts) bool matrix, at least one per image: an image that draws
    none gets one drawn from its own probabilities."""
    labels = rng.random(prob.shape) < prob
    empty = ~labels.any(axis=1)
    labels[empty, _categorical_rows(rng, prob[empty])] = True
    return labels


def sample_visible(rng: np.random.Generator, labels: np.ndarray) -> np.ndarray:
    """Which labels the photo shows: each with its concept's visibility (objects often, events rarely)."""
    vis = np.array([visibility(c) for c in CONCEPTS])
    return labels & (rng.random(labels.shape) < vis)


def sample_distractors(rng: np.random.Generator, world: World, labels: np.ndarray) -> list[list[int]]:
    """Concepts drawn in an image that it does not have, chosen by overall popularity."""
    out = []
    for row in labels:
        k = rng.poisson(DISTRACTORS)
        weights = np.where(row, 0.0, world.base_rate)
        out.append(list(rng.choice(len(row), size=k, replace=False, p=weights / weights.sum())))
    return out


def sample_sets(rng: np.random.Generator, owner: np.ndarray, topic: np.ndarray) -> list[list[str]]:
    """Photo sets: each user's albums on one topic, filled by a Chinese restaurant process.

    An image joins a geometric number of its owner's albums on its topic (mean SETS_MEAN,
    median 1, many images in none); an album is popular in proportion to its size, and a new
    one opens with weight NEW_ALBUM. So a set never mixes owners or topics.
    """
    albums: dict[tuple[int, int], list[int]] = {}  # (user, topic) -> sizes of its albums
    album_names: dict[tuple[int, int, int], str] = {}
    out = []
    counts = rng.geometric(1 / (SETS_MEAN + 1), size=len(owner)) - 1
    for u, t, k in zip(owner, topic, counts, strict=True):
        sizes = albums.setdefault((int(u), int(t)), [])
        chosen: list[int] = []
        for _ in range(k):
            weights = np.array([0.0 if i in chosen else s for i, s in enumerate(sizes)] + [NEW_ALBUM])
            pick = int(rng.choice(len(weights), p=weights / weights.sum()))
            if pick == len(sizes):
                sizes.append(0)
                album_names[(int(u), int(t), pick)] = f"u{u}t{t}a{pick}"
            sizes[pick] += 1
            chosen.append(pick)
        out.append([album_names[(int(u), int(t), i)] for i in chosen])
    # Rename albums to random Flickr-like set ids so a set's name does not give away its topic.
    names = sorted(album_names.values())
    numbers = rng.choice(10**12, size=len(names), replace=False) + 72157600000000000
    rename = dict(zip(names, (str(x) for x in numbers), strict=True))
    return [[rename[s] for s in row] for row in out]


def sample_groups(rng: np.random.Generator, world: World, topic: np.ndarray) -> list[list[str]]:
    """Groups: mostly popular pools about the image's topic, the rest any group (noise)."""
    counts = rng.negative_binomial(GROUPS_SHAPE, GROUPS_SHAPE / (GROUPS_SHAPE + GROUPS_MEAN), size=len(topic))
    everything = world.group_weight / world.group_weight.sum()
    per_topic = []
    for t in range(world.palette.shape[0]):
        w = np.where(world.group_topic == t, world.group_weight, 0.0)
        per_topic.append(w / w.sum() if w.sum() > 0 else everything)
    out = []
    for t, k in zip(topic, counts, strict=True):
        # Draw twice as many as needed, then keep the first k distinct: popular groups
        # repeat, and deduplicating alone would pull the count well below its target.
        topical = rng.random(2 * k) < TOPICAL_PICK
        picks = np.where(
            topical,
            rng.choice(len(everything), size=2 * k, p=per_topic[t]),
            rng.choice(len(everything), size=2 * k, p=everything),
        )
        out.append([world.group_ids[g] for g in list(dict.fromkeys(picks.tolist()))[:k]])
    return out


def _synonym(rng: np.random.Generator, concept: int) -> str:
    """One tag word for a concept; its first words are the most common ones."""
    words = SYNONYMS[CONCEPTS[concept]]
    return words[rng.choice(len(words), p=_zipf(len(words), 1.0))]


def sample_tags(
    rng: np.random.Generator,
    world: World,
    owner: np.ndarray,
    topic: np.ndarray,
    labels: np.ndarray,
    event_words: np.ndarray,
) -> list[list[str]]:
    """Tags: words of the image's event, words for some present labels, a few for absent
    topical ones, then topic words, the owner's habitual words and Zipf noise, in a random order.

    The total is negative binomial (mean ~TAGS_MEAN, median below it, as on Flickr).
    """
    totals = rng.negative_binomial(TAGS_SHAPE, TAGS_SHAPE / (TAGS_SHAPE + TAGS_MEAN), size=len(topic))
    noise_cdf = np.cumsum(_zipf(WORD_POOL, 1.0))
    topic_cdf = np.cumsum(_zipf(TOPIC_WORDS, 0.8))
    out = []
    for i, (u, t, total) in enumerate(zip(owner, topic, totals, strict=True)):
        words = [world.words[w] for w in event_words[i] if rng.random() < EVENT_WORD_PROB]
        words += [_synonym(rng, c) for c in np.flatnonzero(labels[i]) if rng.random() < SYNONYM_TAG_PROB]
        absent = np.where(labels[i], 0.0, world.label_prob[t])
        for c in rng.choice(len(CONCEPTS), size=rng.poisson(WRONG_LABEL_TAGS), p=absent / absent.sum()):
            words.append(_synonym(rng, c))
        n_topic, n_user, n_noise = rng.multinomial(max(0, total - len(words)), TAG_SOURCES)
        ids = np.concatenate(
            [
                world.topic_words[t][np.searchsorted(topic_cdf, rng.random(n_topic) * topic_cdf[-1])],
                rng.choice(world.user_words[u], size=n_user),
                np.searchsorted(noise_cdf, rng.random(n_noise) * noise_cdf[-1]),
            ]
        )
        words += [world.words[w] for w in ids]
        unique = list(dict.fromkeys(words))
        out.append([unique[j] for j in rng.permutation(len(unique))])
    return out


@dataclass
class Draft:
    """Every generated image before filtering: metadata plus what its pixels will show."""

    image_id: np.ndarray
    owner: np.ndarray
    topic: np.ndarray
    labels: np.ndarray  # (n, concepts) bool
    visible: np.ndarray  # (n, concepts) bool, a subset of labels
    distractors: list[list[int]]
    tags: list[list[str]]
    sets: list[list[str]]
    groups: list[list[str]]


def sample_events(rng: np.random.Generator, world: World, images: int) -> tuple[np.ndarray, ...]:
    """Group images into events: one owner, one topic, one set of labels, a few event words.

    Photos of one occasion share most labels and some rare tags, which is what makes tag
    neighbors informative on Flickr; each photo still shows only some of its labels.
    Returns per image: event, owner, topic, labels (n, concepts), event word ids.
    """
    n_events = max(1, round(images / EVENT_SIZE))
    event_owner = rng.choice(len(world.owners), size=n_events, p=world.user_activity)
    event_topic = _categorical_rows(rng, world.user_topics[event_owner])
    event_mean = LABELS_PER_IMAGE * (1 - OWN_LABELS) / EVENT_KEEP
    event_labels = sample_labels(rng, label_rates(world, event_owner, event_topic, event_mean))
    event_words = rng.integers(0, WORD_POOL, size=(n_events, EVENT_WORDS))
    event = rng.integers(0, n_events, size=images)
    owner, topic = event_owner[event], event_topic[event]
    own_rates = label_rates(world, owner, topic, LABELS_PER_IMAGE * OWN_LABELS)
    labels = (event_labels[event] & (rng.random(own_rates.shape) < EVENT_KEEP)) | (
        rng.random(own_rates.shape) < own_rates
    )
    empty = ~labels.any(axis=1)
    labels[empty] = event_labels[event[empty]]  # a photo shows at least its occasion
    return event, owner, topic, labels, event_words[event]


def sample_images(rng: np.random.Generator, world: World, images: int) -> Draft:
    """Draw event, owner, topic, labels, metadata and visible glyphs for every image."""
    _, owner, topic, labels, event_words = sample_events(rng, world, images)
    draft = Draft(
        image_id=rng.choice(9 * 10**9, size=images, replace=False) + 10**9,
        owner=owner,
        topic=topic,
        labels=labels,
        visible=sample_visible(rng, labels),
        distractors=sample_distractors(rng, world, labels),
        tags=sample_tags(rng, world, owner, topic, labels, event_words),
        sets=sample_sets(rng, owner, topic),
        groups=sample_groups(rng, world, topic),
    )
    _make_some_unusable(rng, draft)
    return draft


def _make_some_unusable(rng: np.random.Generator, draft: Draft) -> None:
    """Strip the metadata of ~1% of images and the labels of ~0.5% (one image loses both),
    as NUS-WIDE has such images, so that drop_unusable's every path runs on every build."""
    n = len(draft.owner)
    n_bare = max(3, round(UNUSABLE_SHARE * n))
    n_unlabelled = max(2, round(UNUSABLE_SHARE * n / 2))
    chosen = rng.choice(n, size=n_bare + n_unlabelled - 1, replace=False)
    for i in chosen[:n_bare]:
        draft.tags[i], draft.sets[i], draft.groups[i] = [], [], []
    for i in chosen[n_bare - 1 :]:
        draft.labels[i] = False
        draft.visible[i] = False


def draft_table(world: World, draft: Draft) -> pa.Table:
    """The draft as a parquet.IMAGES table (rows in generation order, which is random)."""
    names = np.array(CONCEPTS)
    return pa.table(
        {
            "image_id": pa.array(draft.image_id, pa.int64()),
            "path": [f"{i}.jpg" for i in draft.image_id],
            "labels": [names[row].tolist() for row in draft.labels],
            "tags": draft.tags,
            "sets": draft.sets,
            "groups": draft.groups,
            "owner": [world.owners[u] for u in draft.owner],
        },
        schema=parquet.IMAGES,
    )


# ---------------------------------------------------------------------------- the pixels


def glyph_design(concept: int) -> tuple[str, int, str]:
    """(shape, colour index, texture) of a concept. With a = i // 9, b = i % 9 the triple
    (a, b, (a + b) % 9) makes any two concepts differ in at least two of the three."""
    a, b = divmod(concept, 9)
    return SHAPES[a], b, TEXTURES[(a + b) % 9]


def _shape_mask(shape: str, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Inside-the-shape mask in glyph coordinates u, v in [-1, 1]."""
    r = np.hypot(u, v)
    if shape == "circle":
        return r < 0.95
    if shape == "square":
        return np.maximum(abs(u), abs(v)) < 0.8
    if shape == "triangle":
        return (v < 0.75) & (abs(u) < (v + 0.95) * 0.53)
    if shape == "diamond":
        return abs(u) + abs(v) < 0.95
    if shape == "star":
        return r < 0.55 + 0.4 * np.cos(5 * np.arctan2(v, u))
    if shape == "ring":
        return (r > 0.55) & (r < 0.95)
    if shape == "cross":
        return ((abs(u) < 0.3) & (abs(v) < 0.92)) | ((abs(v) < 0.3) & (abs(u) < 0.92))
    if shape == "hexagon":
        return np.maximum(abs(u) * 0.866 + abs(v) * 0.5, abs(v)) < 0.85
    if shape == "crescent":
        return (r < 0.92) & (np.hypot(u - 0.45, v) > 0.62)
    raise ValueError(shape)


def _texture(texture: str, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Brightness pattern in [0, 1] in glyph coordinates (it turns and scales with the glyph)."""
    if texture == "solid":
        return np.ones_like(u)
    if texture == "hstripes":
        return (np.sin(v * np.pi * 4) > 0).astype(np.float32)
    if texture == "vstripes":
        return (np.sin(u * np.pi * 4) > 0).astype(np.float32)
    if texture == "diagonal":
        return (np.sin((u + v) * np.pi * 3) > 0).astype(np.float32)
    if texture == "dots":
        return ((np.mod(u * 2.5, 1) - 0.5) ** 2 + (np.mod(v * 2.5, 1) - 0.5) ** 2 > 0.07).astype(np.float32)
    if texture == "checker":
        return (np.mod(np.floor(u * 3) + np.floor(v * 3), 2)).astype(np.float32)
    if texture == "rings":
        return (np.sin(np.hypot(u, v) * np.pi * 5) > 0).astype(np.float32)
    if texture == "radial":
        return np.clip(1 - np.hypot(u, v), 0, 1)
    if texture == "grid":
        return ((np.mod(u * 2.5, 1) > 0.3) & (np.mod(v * 2.5, 1) > 0.3)).astype(np.float32)
    raise ValueError(texture)


def _paint(
    canvas: np.ndarray, rng: np.random.Generator, shape: str, colour: np.ndarray, texture: str, size: float
) -> None:
    """Draw one textured shape of side `size` px at a random place and slight tilt, in place.

    The centre may fall near an edge, so part of the glyph can be cut off.
    """
    side = canvas.shape[0]
    cx, cy = rng.uniform(0.1, 0.9, size=2) * side
    angle = rng.uniform(-0.35, 0.35)
    half = size * 0.75
    x0, x1 = max(0, int(cx - half)), min(side, int(cx + half) + 1)
    y0, y1 = max(0, int(cy - half)), min(side, int(cy + half) + 1)
    if x0 >= x1 or y0 >= y1:
        return
    dy, dx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    dx, dy = (dx - cx) / (size / 2), (dy - cy) / (size / 2)
    u = np.cos(angle) * dx + np.sin(angle) * dy
    v = -np.sin(angle) * dx + np.cos(angle) * dy
    mask = _shape_mask(shape, u, v)
    tone = 0.35 + 0.65 * _texture(texture, u, v)
    region = canvas[y0:y1, x0:x1]
    region[mask] = (tone[..., None] * colour)[mask]


def _background(rng: np.random.Generator, palette: np.ndarray, side: int) -> np.ndarray:
    """Vertical gradient between two colours only partly taken from the topic's palette,
    plus soft blotches: a weak hint of the scene, never decisive."""
    mix = rng.uniform(0.2, 0.6)
    top, bottom = mix * palette + (1 - mix) * rng.uniform(0.1, 0.9, size=(2, 3))
    ramp = np.linspace(0, 1, side, dtype=np.float32)[:, None, None]
    canvas = (1 - ramp) * top + ramp * bottom
    blotches = Image.fromarray(rng.normal(0, 0.08, size=(4, 4)).astype(np.float32))
    blotches = np.asarray(blotches.resize((side, side), Image.BILINEAR))[..., None]
    return canvas + blotches  # broadcasts the (side, 1, 3) ramp and (side, side, 1) blotches


def render(rng: np.random.Generator, palette: np.ndarray, glyphs: list[int], side: int) -> np.ndarray:
    """An RGB uint8 image: background, clutter, the given concept glyphs, occluders, noise."""
    canvas = _background(rng, palette, side).astype(np.float32)
    for _ in range(rng.poisson(CLUTTER)):
        shape = SHAPES[rng.integers(2)]  # plain discs and squares in any glyph colour
        colour = COLOURS[rng.integers(len(COLOURS))] * rng.uniform(0.6, 1.1)
        _paint(canvas, rng, shape, colour, "solid", side * rng.uniform(0.08, 0.25))
    for concept in rng.permutation(glyphs).tolist() if glyphs else []:
        shape, colour, texture = glyph_design(concept)
        colour = COLOURS[colour] * rng.uniform(0.85, 1.1, size=3)
        _paint(canvas, rng, shape, colour, texture, side * rng.uniform(0.3, 0.6))
    if rng.random() < OCCLUDE_PROB:
        for _ in range(rng.integers(1, 3)):
            w, h = (rng.uniform(0.15, 0.4, size=2) * side).astype(int)
            x, y = rng.integers(0, side - w), rng.integers(0, side - h)
            canvas[y : y + h, x : x + w] = rng.uniform(0.1, 0.9, size=3)
    canvas += rng.uniform(0.03, 0.1) * rng.standard_normal(canvas.shape, dtype=np.float32)
    return (np.clip(canvas, 0, 1) * 255 + 0.5).astype(np.uint8)


def write_images(world: World, draft: Draft, rows: np.ndarray, image_dir: Path, side: int, seed: int) -> None:
    """Render and save the chosen rows as JPEG, each from its own seeded Generator so an
    image depends only on (seed, image_id) and its content."""
    image_dir.mkdir(parents=True, exist_ok=True)
    for i in rows:
        rng = np.random.default_rng(seeds.image(seed, int(draft.image_id[i])))
        glyphs = np.flatnonzero(draft.visible[i]).tolist() + [int(c) for c in draft.distractors[i]]
        pixels = render(rng, world.palette[draft.topic[i]], glyphs, side)
        Image.fromarray(pixels).save(image_dir / f"{draft.image_id[i]}.jpg", quality=JPEG_QUALITY)


# ---------------------------------------------------------------------------- statistics


def statistics(table: pa.Table, visible: np.ndarray, labels: np.ndarray) -> dict:
    """The Table 1 statistics of the kept images, plus how Zipf-like and how visible labels are."""
    stats = {**table1(table), "owners": len(set(table.column("owner").to_pylist()))}
    frequency = np.sort(labels.sum(axis=0))[::-1]
    frequency = frequency[frequency > 0]
    rank = np.arange(1, len(frequency) + 1)
    stats["label_frequency_slope"] = round(float(np.polyfit(np.log(rank), np.log(frequency), 1)[0]), 3)
    stats["visible_label_share"] = round(float(visible.sum() / labels.sum()), 3)
    per_concept = visible.sum(axis=0) / np.maximum(labels.sum(axis=0), 1)
    stats["visible_share_by_concept"] = {
        c: round(float(s), 3) for c, s in zip(CONCEPTS, per_concept, strict=True)
    }
    stats["label_frequency"] = {c: int(n) for c, n in zip(CONCEPTS, labels.sum(axis=0), strict=True)}
    return stats


# ------------------------------------------------------------------------------- entry


def generate(
    out_dir: Path, image_dir: Path, *, images: int, users: int, topics: int, image_size: int, seed: int
) -> dict:
    """Writes image files under image_dir, and in out_dir: images.parquet (parquet.IMAGES; `path`
    relative to image_dir), concepts.txt (one concept per line, in NUS-WIDE's order), stats.json
    (the statistics reached), ingest_counts.json (kept and dropped-by-reason counts). Returns the
    stats dict."""
    out_dir, image_dir = Path(out_dir), Path(image_dir)
    rng = np.random.default_rng(seeds.dataset(seed))
    world = sample_world(rng, images=images, users=users, topics=topics)
    draft = sample_images(rng, world, images)
    order = np.argsort(draft.image_id, kind="stable")  # ids are random: no topic or label order
    table, counts = drop_unusable(draft_table(world, draft).take(pa.array(order)))
    kept_ids = set(table.column("image_id").to_pylist())
    rows = np.array([i for i in order if draft.image_id[i] in kept_ids], dtype=int)
    write_images(world, draft, rows, image_dir, image_size, seed)
    stats = statistics(table, draft.visible[rows], draft.labels[rows])
    out_dir.mkdir(parents=True, exist_ok=True)
    parquet.write(table, out_dir / "images.parquet", parquet.IMAGES)
    (out_dir / "concepts.txt").write_text("\n".join(CONCEPTS) + "\n")
    (out_dir / "stats.json").write_text(json.dumps(stats, indent=2) + "\n")
    (out_dir / "ingest_counts.json").write_text(json.dumps(counts, indent=2) + "\n")
    return stats
