"""Le ramasse-miettes des cycles de Python suspendu pendant un travail qui crée des millions de
petits objets sans cycle (cellules lues, lignes, valeurs et leurs sources).

Chaque collecte de la plus vieille génération parcourt tous les objets vivants : quand ils se
comptent par millions et restent vivants jusqu'à la fin (une préparation nationale), ces
parcours répétés coûtent plus que le travail lui-même (mesuré : 40 % du temps de `preparer`).
Le comptage des références libère toujours ce qui n'est plus utilisé. À la sortie du bloc, les
objets encore vivants sont mis hors de portée du ramasse-miettes (`gc.freeze`) avant qu'il
reprenne : sinon sa première collecte parcourrait tous les objets créés dans le bloc (0,1 à
0,3 s après une préparation nationale) ; ils restent libérés par le comptage des références,
seul un cycle parmi eux ne le serait plus (la préparation n'en crée pas ; une commande ou une
macro du classeur est un processus qui se termine aussitôt après).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def suspendu() -> Iterator[None]:
    """Suspend le ramasse-miettes des cycles dans le bloc (et dans les processus copiés depuis
    le bloc) ; le remet tel qu'il était à la sortie, sans les objets du bloc."""
    actif = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if actif:
            gc.freeze()
            gc.enable()
