"""What the demo needs for each collectivité beyond its reference data: where its comptoirs meet, the
phone numbers its demo holders give. The territories, communes and names are the profile's own
(reference/collectivites/<slug>/); seed-demo --collectivite <slug> picks the set."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoSet:
    """The demo data of one collectivité."""

    # Territory code → (host structure, address) of its comptoir à initiatives citoyennes.
    hosts: dict[str, tuple[str, str]]
    phone_prefix: str  # the area's first digits, « 03 21 »


DEMO_SETS = {
    "pas-de-calais": DemoSet(
        hosts={
            "arrageois": ("Maison des sociétés", "16 rue Aristide-Briand, 62000 Arras"),
            "artois": ("La Fabrique solidaire", "5 rue de la Délivrance, 62400 Béthune"),
            "audomarois": ("Tiers-lieu La Station", "17 rue du Lion-d'Or, 62500 Saint-Omer"),
            "boulonnais": ("Centre social Audrey-Bartier",
                           "2 rue Gustave-Charpentier, 62200 Boulogne-sur-Mer"),
            "calaisis": ("Maison pour tous", "81 boulevard Jacquard, 62100 Calais"),
            "lens-henin": ("Base 11/19", "rue de Bourgogne, 62750 Loos-en-Gohelle"),
            "montreuillois": ("Le Moulin des idées", "1 place Gambetta, 62170 Montreuil-sur-Mer"),
            "ternois": ("Espace culturel Vaillant", "2 rue Vaillant, 62130 Saint-Pol-sur-Ternoise"),
        },
        phone_prefix="03 21",
    ),
    # Demo venues: names and streets made up for the demo, in the real chief towns of each territory.
    "gironde": DemoSet(
        hosts={
            "arcachon": ("Maison des associations du Bassin", "12 rue des Pêcheurs, 33120 Arcachon"),
            "blayais": ("Tiers-lieu La Citadelle", "4 cours de la République, 33390 Blaye"),
            "bordeaux": ("La Ruche solidaire", "30 quai des Chartrons, 33000 Bordeaux"),
            "langonnais": ("Espace Garonne", "8 allée des Vignes, 33210 Langon"),
            "medoc": ("Le Phare associatif", "2 place du Marché, 33340 Lesparre-Médoc"),
            "libournais": ("Maison des initiatives", "15 rue Victor-Hugo, 33500 Libourne"),
        },
        phone_prefix="05 56",
    ),
}


def demo_set(slug: str) -> DemoSet:
    """The demo data of a collectivité; one without its own set gets generic venues."""
    return DEMO_SETS.get(slug, DemoSet(hosts={}, phone_prefix="01 23"))
