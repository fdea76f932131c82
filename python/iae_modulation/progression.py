"""Affichage de la progression des traitements longs (barre rich sur la sortie d'erreur).

rich n'est chargé que si la barre s'affiche : un clic du ruban ou une commande redirigée ne paie
pas son chargement."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def progression(titre: str, total: int, actif: bool = True) -> Iterator[Callable[..., None]]:
    """Donne une fonction `avancer(description)` ; n'affiche rien si `actif` est faux ou si la
    sortie n'est pas un terminal (CI, redirection)."""
    if not actif or not sys.stderr.isatty():
        yield lambda description="": None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        yield lambda description="": None
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as barre:
        tache = barre.add_task(titre, total=total)

        def avancer(description: str = "") -> None:
            barre.update(tache, advance=1, description=f"{titre} — {description}".rstrip(" —"))

        yield avancer
