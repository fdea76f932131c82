"""Les données fictives de démonstration installées avec le paquet (40 SIAE du Grand Est) et
l'avertissement que toute commande donne quand elles sont encore dans une campagne."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path


def dossier_demo() -> Path:
    """Le dossier des données de démonstration installées avec le paquet."""
    return Path(str(resources.files("iae_modulation").joinpath("demo")))


@lru_cache(maxsize=1)
def identifiants_de_demonstration() -> frozenset[str]:
    """Les identifiants des 40 structures fictives de la démonstration (et du gabarit)."""
    with (dossier_demo() / "donnees_demo.csv").open(encoding="utf-8-sig", newline="") as f:
        return frozenset(ligne["identifiant"] for ligne in csv.DictReader(f, delimiter=";"))


def avertissement_demonstration(
    identifiants: Iterable[object], ou: str, remplacer_dans: str
) -> str:
    """« Attention : … structures fictives … » si des structures de la démonstration sont encore
    là (`ou` : « la feuille … », « le calcul »), à remplacer dans `remplacer_dans` (« la feuille
    « Données SIAE » », « donnees.csv »), sinon « »."""
    fictives = sorted({str(i) for i in identifiants} & identifiants_de_demonstration())
    if not fictives:
        return ""
    return (
        f"Attention : {len(fictives)} structure(s) fictive(s) de la démonstration (ex. "
        f"{fictives[0]}) sont dans {ou} : remplacez-les, dans {remplacer_dans}, par vos "
        "structures avant toute décision ou notification."
    )
