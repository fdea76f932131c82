"""Outils communs aux bancs d'essai : mesurer une fonction, comparer à une cible.

Les temps sont des durées murales (`time.perf_counter`) ; sur une machine partagée, comparez des
rapports mesurés dans une même exécution plutôt que des valeurs absolues.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Mesure:
    """Durées en secondes sur `repetitions` exécutions."""

    mediane: float
    minimum: float
    maximum: float
    repetitions: int


def mesurer(fonction: Callable[[], object], repetitions: int = 5) -> Mesure:
    """Exécute `fonction` `repetitions` fois et renvoie la médiane, le min et le max."""
    if repetitions < 1:
        raise ValueError("Il faut au moins une répétition.")
    durees = []
    for _ in range(repetitions):
        debut = time.perf_counter()
        fonction()
        durees.append(time.perf_counter() - debut)
    return Mesure(statistics.median(durees), min(durees), max(durees), repetitions)


def secondes_fr(duree: float) -> str:
    """« 0,084 s » : trois décimales, virgule décimale."""
    return f"{duree:.3f} s".replace(".", ",")


def rapporter(nom: str, mesure: Mesure | float, cible: float) -> bool:
    """Affiche « nom : 0,084 s (cible 0,100 s) OK » (ou « DÉPASSÉ ») ; vrai si la médiane, ou
    la durée donnée, tient dans la cible."""
    duree = mesure.mediane if isinstance(mesure, Mesure) else mesure
    tenu = duree <= cible
    print(
        f"{nom} : {secondes_fr(duree)} (cible {secondes_fr(cible)}) {'OK' if tenu else 'DÉPASSÉ'}"
    )
    return tenu
