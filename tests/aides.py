"""Outils communs aux tests de bout en bout : fichiers de démonstration, empreintes, commande."""

from __future__ import annotations

import gzip
import hashlib
import shutil
from pathlib import Path

from iae_modulation.cli import main
from iae_modulation.commandes.demo import dossier_demo

DEMO = dossier_demo()
DONNEES = DEMO / "donnees_demo.csv"
EXPORT_ACI = DEMO / "exports" / "ACI.xlsx"
# FluxIAE réel publié (extrait, sans ligne « FIN… ») : lu dans shared/, jamais versé au dépôt
ECHANTILLON = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "fluxIAE_AnnexeFinanciere_22022022_112211.csv.gz"
)


def echantillon_avec_fin(dossier: Path) -> Path:
    """L'échantillon réel complété, le temps du test, de la ligne « FIN… » d'un export entier."""
    chemin = Path(dossier) / ECHANTILLON.name
    with gzip.open(ECHANTILLON, "rb") as source, gzip.open(chemin, "wb") as cible:
        shutil.copyfileobj(source, cible)
        cible.write(b"FINAnnexeFinanciere07022022_063004" + b"|" * 127 + b"\n")
    return chemin


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
