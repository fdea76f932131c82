"""Outils communs aux tests de bout en bout : fichiers de démonstration, empreintes, commande."""

from __future__ import annotations

import hashlib
from pathlib import Path

from iae_modulation.cli import main
from iae_modulation.commandes.demo import dossier_demo

DEMO = dossier_demo()
DONNEES = DEMO / "donnees_demo.csv"
EXPORT_ACI = DEMO / "exports" / "ACI.xlsx"


def empreinte(chemin: Path) -> str:
    """SHA-256 d'un fichier (pour vérifier qu'une entrée n'a pas été modifiée)."""
    return hashlib.sha256(Path(chemin).read_bytes()).hexdigest()


def calculer(sortie: Path, annee: int, *options: str) -> int:
    """`iae-modulation calculer` sur les données de démonstration."""
    return main(
        ["calculer", str(DONNEES), "--annee", str(annee), "--sortie", str(sortie), *options]
    )


def sortie_capturee(capsys) -> str:
    """Sortie standard et d'erreur de la commande, ensemble."""
    capture = capsys.readouterr()
    return capture.out + capture.err
