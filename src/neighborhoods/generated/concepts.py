"""NUS-WIDE's 81 concepts and what the generated dataset needs to know about each.

The official concept list (NUS-WIDE's Concepts81.txt) is alphabetical; every label vector,
score vector and table in the project uses this order, so it lives here once. The rest of
the module describes the concepts for the synthetic generator: how common each is, what
kind of thing it is (and so how often a photo of it shows it), and the tag words that
Flickr users write for it.
"""

CONCEPTS: tuple[str, ...] = tuple(
    """
    airport animal beach bear birds boats book bridge buildings cars castle cat cityscape
    clouds computer coral cow dancing dog earthquake elk fire fish flags flowers food fox
    frost garden glacier grass harbor horses house lake leaf map military moon mountain
    nighttime ocean person plane plants police protest railroad rainbow reflection road
    rocks running sand sign sky snow soccer sports statue street sun sunset surf swimmers
    tattoo temple tiger tower town toy train tree valley vehicle water waterfall wedding
    whales window zebra
    """.split()
)

# Concepts from most to least common, roughly as in NUS-WIDE (sky, clouds, person and water
# lead; earthquake and map trail). The generator gives rank r a base rate ~ 1 / r.
POPULARITY: tuple[str, ...] = tuple(
    """
    sky clouds person water animal grass buildings window plants lake ocean road flowers
    sunset reflection rocks vehicle tree snow beach mountain cars street birds sun town
    garden house boats nighttime sign leaf cityscape statue sand bridge food temple dog
    railroad toy sports cat valley tower castle frost wedding harbor moon train flags
    dancing military horses glacier fish waterfall surf plane computer rainbow running
    soccer police fire protest tattoo book airport cow bear coral elk zebra whales fox tiger
    swimmers earthquake map
    """.split()
)

# Events and activities rarely show in a photo as a recognisable thing; scenes often do;
# objects usually do. Everything not listed here is an object.
EVENTS = frozenset(
    "dancing earthquake military police protest running soccer sports swimmers wedding".split()
)
SCENES = frozenset(
    "airport beach cityscape clouds coral frost garden glacier grass harbor lake mountain "
    "nighttime ocean railroad reflection road rocks sand sky snow street sunset surf town "
    "valley water waterfall".split()
)
VISIBILITY_BY_KIND = {"object": 0.8, "scene": 0.5, "event": 0.2}
# Super-categories are objects, but a photo tagged with them is often of something vague.
VISIBILITY_OVERRIDES = {"animal": 0.65, "vehicle": 0.65, "plants": 0.65, "earthquake": 0.15}

# Tag words for each concept, the most common first; the concept name itself is not always
# first (people write "dog" or "puppy", "people" more than "person").
SYNONYMS: dict[str, tuple[str, ...]] = {
    concept.strip(): tuple(words.split())
    for concept, words in (
        line.split(":")
        for line in """
    airport: airport terminal runway aeroport
    animal: animal animals wildlife fauna
    beach: beach seaside shore coast
    bear: bear bears grizzly polarbear
    birds: bird birds seagull avian
    boats: boat boats sailboat yacht
    book: book books library reading
    bridge: bridge bridges viaduct
    buildings: architecture building buildings skyscraper
    cars: car cars auto automobile
    castle: castle fortress palace chateau
    cat: cat cats kitten kitty gato
    cityscape: city cityscape skyline downtown
    clouds: clouds cloud cloudy overcast
    computer: computer laptop mac pc
    coral: coral reef underwater scuba
    cow: cow cows cattle calf
    dancing: dance dancing dancer ballet
    dog: dog puppy dogs canine perro
    earthquake: earthquake quake rubble disaster
    elk: elk deer moose antlers
    fire: fire flames bonfire campfire
    fish: fish aquarium fishes goldfish
    flags: flag flags banner
    flowers: flower flowers bloom blossom floral
    food: food dinner lunch yummy dessert
    fox: fox redfox foxes
    frost: frost ice frozen icy
    garden: garden park gardens backyard
    glacier: glacier iceberg glaciers icefield
    grass: grass field meadow lawn
    harbor: harbor harbour port marina pier
    horses: horse horses pony equine
    house: house home cottage cabin
    lake: lake pond lakeside reservoir
    leaf: leaves leaf foliage autumn
    map: map maps atlas cartography
    military: military army soldier soldiers navy
    moon: moon fullmoon lunar moonlight
    mountain: mountains mountain peak alps hiking
    nighttime: night nighttime nightshot longexposure
    ocean: sea ocean waves pacific atlantic
    person: people portrait person man woman girl boy
    plane: plane airplane aircraft jet aviation
    plants: plants plant green cactus
    police: police cop cops polizei
    protest: protest demonstration march rally
    railroad: railroad railway tracks rail
    rainbow: rainbow rainbows
    reflection: reflection reflections mirror
    road: road highway asphalt roadtrip
    rocks: rocks rock stone boulder cliff
    running: running run marathon runner
    sand: sand desert dunes sandy
    sign: sign signs signage neon
    sky: sky blue bluesky skies
    snow: snow winter snowy snowing
    soccer: soccer football futbol
    sports: sports sport game stadium
    statue: statue sculpture monument
    street: street streets streetphotography alley
    sun: sun sunshine sunny sunlight
    sunset: sunset sunrise dusk dawn
    surf: surf surfing surfer surfboard
    swimmers: swimming swimmer swimmers pool
    tattoo: tattoo tattoos ink inked
    temple: temple shrine pagoda church
    tiger: tiger tigers bigcat
    tower: tower towers lighthouse
    town: town village smalltown
    toy: toy toys lego doll
    train: train trains locomotive steam
    tree: tree trees forest woods
    valley: valley canyon gorge
    vehicle: truck vehicle bus motorcycle
    water: water river stream splash
    waterfall: waterfall falls cascade
    wedding: wedding bride groom marriage
    whales: whale whales orca
    window: window windows glass
    zebra: zebra zebras stripes
""".strip().splitlines()
    )
}


def kind(concept: str) -> str:
    """'object', 'scene' or 'event': decides how often a photo shows the concept."""
    if concept in EVENTS:
        return "event"
    if concept in SCENES:
        return "scene"
    return "object"


def visibility(concept: str) -> float:
    """Probability that a photo with this label visibly shows it (its glyph is drawn)."""
    return VISIBILITY_OVERRIDES.get(concept, VISIBILITY_BY_KIND[kind(concept)])


def _check() -> None:
    """Fail at import if the tables above drift apart (a typo would shift every label)."""
    assert len(CONCEPTS) == 81 and list(CONCEPTS) == sorted(CONCEPTS)
    assert sorted(POPULARITY) == list(CONCEPTS)
    assert set(SYNONYMS) == set(CONCEPTS)
    assert (EVENTS | SCENES) <= set(CONCEPTS)
    words = [w for ws in SYNONYMS.values() for w in ws]
    assert len(words) == len(set(words)), "a tag word belongs to two concepts"
    assert all(w.isalpha() and w.islower() for w in words)


_check()
