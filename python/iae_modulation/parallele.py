"""Un travail confié au second cœur : `en_parallele(fonction, *args)` la lance dans un processus
copié de celui-ci (fork, sous Linux : ni les arguments ni le programme ne sont recopiés), pendant
que l'appelant continue ; le résultat (ou l'exception) revient quand il le demande.

Ailleurs (Windows, macOS : pas de fork sûr), la fonction s'exécute simplement quand le résultat
est demandé : même résultat, sans le gain de temps.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import sys
from collections.abc import Callable, Iterator
from typing import Any

from iae_modulation.erreurs import ErreurOutil

FORK = sys.platform == "linux"


@contextlib.contextmanager
def en_parallele(fonction: Callable[..., Any], *args: Any) -> Iterator[Callable[[], Any]]:
    """Donne `resultat()`, qui attend la fin de `fonction(*args)` et renvoie sa valeur ou lève
    son exception. Le processus est arrêté à la sortie du bloc si le résultat n'a pas été
    demandé (une erreur de l'appelant ne laisse aucun processus derrière elle)."""
    if not FORK:
        yield lambda: fonction(*args)
        return
    contexte = multiprocessing.get_context("fork")
    reception, envoi = contexte.Pipe(duplex=False)

    def cible() -> None:
        try:
            reponse = (True, fonction(*args))
        except BaseException as erreur:  # renvoyée telle quelle à l'appelant
            reponse = (False, erreur)
        envoi.send(reponse)

    processus = contexte.Process(target=cible, daemon=True)
    processus.start()
    envoi.close()

    def resultat() -> Any:
        try:
            reussi, valeur = reception.recv()
        except EOFError:
            raise ErreurOutil(
                f"Le travail en parallèle ({getattr(fonction, '__name__', 'calcul')}) s'est "
                f"arrêté sans réponse (code {processus.exitcode}) : relancez la commande."
            ) from None
        finally:
            processus.join()
        if reussi:
            return valeur
        raise valeur

    try:
        yield resultat
    finally:
        if processus.is_alive():
            processus.terminate()
        processus.join()
        reception.close()
